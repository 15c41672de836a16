"""labkit.diagrams.timeline: numbers over time as SVG and a text chart, without matplotlib."""

import xml.etree.ElementTree as ET

import pytest

from labkit.diagrams import timeline
from labkit.errors import InvalidInput

SVG = "{http://www.w3.org/2000/svg}"


def test_each_series_is_a_band_of_steps_with_its_own_scale():
    chart = timeline({"desired": [2, 2, 4, 4], "cpu %": [100, 100, 50, 50]}, title="orders")
    root = ET.fromstring(chart.svg())
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    points = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    # a step: the value 2 holds until minute 3, then the line rises straight up to 4
    assert points[3][0] == points[4][0] and points[4][1] < points[3][1]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert {"desired", "cpu %", "orders", "4", "100", "minute"} <= set(labels)


def test_the_text_chart_has_a_row_per_series_with_its_range():
    text = str(timeline({"running": [0, 2, 4], "alarm": [False, True, False]}, x=[10, 11, 12]))
    rows = text.splitlines()
    assert rows[0].startswith("running |") and rows[0].endswith("| 0..4")
    assert rows[0].split("|")[1] == " ▄█"
    assert rows[1].split("|")[1] == " █ "
    assert "minute 10 to 12" in rows[2]


def test_the_notebook_gets_svg_html_and_text_and_the_same_input_draws_the_same_picture():
    a, b = timeline({"x": [1, 3, 2]}), timeline({"x": [1, 3, 2]})
    bundle = a._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/svg+xml", "text/html"}
    assert bundle["image/svg+xml"] in bundle["text/html"]
    assert a.svg() == b.svg() and str(a) == str(b)
    assert a.svg() != timeline({"x": [1, 2, 2]}).svg()


@pytest.mark.parametrize("series, x, words", [
    ({}, None, "dict of series"),
    ({"a": [1, 2], "b": [1]}, None, "differ in length"),
    ({"a": ["many"]}, None, "not a number"),
    ({"a": []}, None, "empty"),
    ({"a": [1, float("nan")]}, None, "NaN"),
    ({"a": [1, 2]}, [2, 1], "increasing"),
    ({"a": [1, 2]}, [1], "one increasing x"),
])
def test_bad_series_get_a_clear_error(series, x, words):
    with pytest.raises(InvalidInput, match=words):
        timeline(series, x)


def test_labkit_show_gives_the_chart_as_html_and_text():
    from labkit.diagrams.show import _bundle

    chart = timeline({"desired": [2, 4]})
    bundle = _bundle(chart)
    assert bundle["text/plain"] == str(chart) and chart.svg() in bundle["text/html"]


def test_small_numbers_fill_their_band_and_a_flat_series_stays_at_the_bottom():
    rows = str(timeline({"bill $": [0.001, 0.002, 0.004], "zero": [0, 0, 0]})).splitlines()
    assert rows[0].split("|")[1] == "▂▄█" and rows[0].endswith("0.001..0.004")
    assert rows[1].split("|")[1] == "   "
