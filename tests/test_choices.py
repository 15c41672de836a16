"""labkit.fargate.compute_options(): Fargate, ECS Express Mode, Lambda, App Runner and ECS on EC2 side by side, every
row sourced and dated, every number read from labkit/data, shown as text and as an HTML table."""

from __future__ import annotations

import copy
import re

import pytest

import labkit.fargate
from labkit.data import facts, read_json
from labkit.errors import InvalidInput
from labkit.model import choices
from labkit.model.units import gb_text, vcpu_text

DATA = read_json("compute_choices.json")
NAMES = ["Fargate", "ECS Express Mode", "AWS Lambda", "AWS App Runner", "ECS on EC2 instances"]


def table_sources() -> dict[str, choices.Source]:
    return {k: choices.Source(s["title"], s["url"], s["as_of"]) for k, s in DATA["sources"].items()}


def test_the_table_compares_the_five_ways_on_every_aspect():
    table = labkit.fargate.compute_options()
    assert [o.name for o in table.options] == NAMES
    for o in table.options:
        for field, _ in choices.ASPECTS:
            text = getattr(o, field)
            assert text and "{" not in text and "}" not in text, (o.name, field)


@pytest.mark.parametrize("entry", DATA["options"], ids=lambda e: e["name"])
def test_every_row_names_its_sources_and_the_date_they_were_read(entry):
    assert entry["sources"] and set(entry["sources"]) <= set(DATA["sources"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["as_of"])
    for key in entry["sources"]:
        source = DATA["sources"][key]
        assert source["url"].startswith("https://") and source["title"] and source["as_of"]


def test_every_source_is_cited_by_a_row():
    cited = {key for entry in DATA["options"] for key in entry["sources"]}
    assert cited == set(DATA["sources"])


def test_numbers_are_written_from_the_data_not_the_words():
    entry = copy.deepcopy(next(e for e in DATA["options"] if e["name"] == "AWS Lambda"))
    lam = labkit.fargate.compute_options().option("aws lambda")
    assert lam.longest_run == f"{entry['numbers']['max_timeout_s']} s per invocation"
    assert "$0.00001667" in lam.pricing and "$0.20 per million" in lam.pricing  # every decimal the source gives
    entry["numbers"]["max_timeout_s"] = 60
    assert choices._option(entry, table_sources()).longest_run == "60 s per invocation"


def test_fargate_numbers_come_from_the_facts(monkeypatch):
    fargate = labkit.fargate.compute_options().option("Fargate")
    cpu, memory = max(labkit.fargate.valid_sizes())
    assert fargate.largest == f"{vcpu_text(cpu)} and {gb_text(memory)} a task"
    assert f"at least {facts()['billing']['minimum_seconds']['LINUX']} s a task" in fargate.pricing
    monkeypatch.setattr(choices, "valid_sizes", lambda: [(256, 512), (1024, 2048)])
    entry = next(e for e in DATA["options"] if e["name"] == "Fargate")
    assert choices._option(entry, table_sources()).largest == "1 vCPU and 2 GB a task"


def test_a_number_a_row_does_not_give_is_an_error():
    entry = copy.deepcopy(DATA["options"][2])
    entry["longest_run"] = "{no_such_number} s"
    with pytest.raises(KeyError):
        choices._option(entry, table_sources())


def test_app_runner_is_marked_closed_to_new_customers_and_points_to_express_mode():
    app_runner = labkit.fargate.compute_options().option("AWS App Runner")
    assert "closed to new customers" in app_runner.pick_when and "ECS Express Mode" in app_runner.pick_when


def test_text_lists_each_option_then_its_sources_once():
    table = labkit.fargate.compute_options()
    text = str(table)
    assert [line for line in text.splitlines() if not line.startswith((" ", "-")) and line][:-1] == [
        f"{o.name}: {o.what}" for o in table.options]
    assert text.count("https://aws.amazon.com/fargate/pricing/") == 1
    assert len(table.sources()) == len(DATA["sources"])


def test_html_is_a_column_per_option_and_a_row_per_aspect():
    page = labkit.fargate.compute_options()._repr_html_()
    assert page.count("<tr>") == 1 + len(choices.ASPECTS)
    assert all(f"<th>{name}</th>" in page for name in NAMES)
    assert page.count('target="_blank"') == len(DATA["sources"])


def test_an_unknown_option_names_the_ones_there_are():
    with pytest.raises(InvalidInput, match="the table compares Fargate, ECS Express Mode"):
        labkit.fargate.compute_options().option("Cloud Run")
