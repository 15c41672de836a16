"""`timeline(series)`: numbers recorded over time, drawn without matplotlib (the course does not ship it).

One band per series, stacked on a shared x axis, each with its own scale: a task count and a CPU percentage can
sit one above the other. A `Timeline` shows as SVG (and HTML that scales it to the output area) in a notebook, and
as a text chart (one row of block characters per series) everywhere else; both are deterministic.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labkit.diagrams.base import EDGE_INK, FONT, INK, MUTED_INK, PANEL_FILL, PANEL_LINE
from labkit.errors import InvalidInput

COLOURS = ("#1D4F91", "#B35300", "#2B7A3D", "#C2255C", "#5F3DC4", "#56616B")
BLOCKS = " ▁▂▃▄▅▆▇█"
LEFT, RIGHT, TOP, BAND, GAP, BOTTOM, WIDTH = 150, 20, 34, 56, 14, 36, 640


@dataclass(frozen=True)
class Timeline:
    """Series of numbers over one x axis (`x`), with a title and the x axis's name; see `timeline`."""

    title: str
    x_label: str
    x: tuple[float, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]

    def __str__(self) -> str:
        name_width = max(len(name) for name, _ in self.series)
        lines = [self.title] if self.title else []
        for name, values in self.series:
            low, high = _bounds(values)
            bars = "".join(BLOCKS[_level(v, low, high)] for v in values)
            lines.append(f"{name:<{name_width}} |{bars}| {_num(min(values))}..{_num(max(values))}")
        lines.append(f"{'':<{name_width}}  {self.x_label} {_num(self.x[0])} to {_num(self.x[-1])}, "
                     f"one column each")
        return "\n".join(lines)

    def svg(self) -> str:
        """The chart as an SVG document (plain SVG: no fonts to install, no Graphviz)."""
        height = TOP + len(self.series) * (BAND + GAP) + BOTTOM
        x0, x1 = self.x[0], self.x[-1]
        span = (x1 - x0) or 1

        def sx(x: float) -> float:
            return LEFT + (x - x0) / span * (WIDTH - LEFT - RIGHT)

        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
               f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="11">',
               f"<title>{_esc(self.title or 'Timeline')}</title>",
               f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="8" '
               f'fill="{PANEL_FILL}" stroke="{PANEL_LINE}"/>',
               f'<text x="{LEFT}" y="20" font-size="13" font-weight="bold" fill="{INK}">{_esc(self.title)}</text>']
        for i, (name, values) in enumerate(self.series):
            top = TOP + i * (BAND + GAP)
            low, high = _bounds(values)

            def sy(v: float, top: int = top, low: float = low, high: float = high) -> float:
                return top + BAND - (v - low) / ((high - low) or 1) * BAND

            colour = COLOURS[i % len(COLOURS)]
            points = [(sx(self.x[0]), sy(values[0]))]
            for j in range(1, len(values)):  # steps: a value holds until the next one is recorded
                points += [(sx(self.x[j]), sy(values[j - 1])), (sx(self.x[j]), sy(values[j]))]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            out += [f'<line x1="{LEFT}" y1="{top + BAND}" x2="{WIDTH - RIGHT}" y2="{top + BAND}" '
                    f'stroke="{PANEL_LINE}"/>',
                    f'<text x="10" y="{top + BAND / 2 + 4:.0f}" fill="{colour}" font-weight="bold">'
                    f"{_esc(name)}</text>",
                    f'<text x="{LEFT - 6}" y="{top + 9}" text-anchor="end" fill="{MUTED_INK}">{_num(high)}</text>',
                    f'<text x="{LEFT - 6}" y="{top + BAND}" text-anchor="end" fill="{MUTED_INK}">{_num(low)}</text>',
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>']
        axis = TOP + len(self.series) * (BAND + GAP)
        for x in _ticks(x0, x1):
            out.append(f'<text x="{sx(x):.1f}" y="{axis + 2}" text-anchor="middle" fill="{EDGE_INK}">{_num(x)}'
                       "</text>")
        out.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{axis + 20}" text-anchor="middle" '
                   f'fill="{MUTED_INK}">{_esc(self.x_label)}</text>')
        out.append("</svg>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        """The SVG inline, scrolling sideways rather than cut off in a narrow output area."""
        return f'<div style="max-width:100%;overflow-x:auto">{self.svg()}</div>'

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {"text/plain": str(self), "image/svg+xml": self.svg(), "text/html": self._repr_html_()}


def timeline(series: Mapping[str, Sequence[float]], x: Sequence[float] | None = None, *, x_label: str = "minute",
             title: str = "") -> Timeline:
    """A chart of `series` (name -> values, all as long as `x`; `x` defaults to 1, 2, 3, ...), one band each.

    Values are numbers (True/False count as 1/0, so an alarm's "in ALARM" can be drawn too).
    """
    if not isinstance(series, Mapping) or not series:
        raise InvalidInput("timeline needs a dict of series, e.g. {'desired': [2, 2, 4], 'running': [2, 2, 3]}.")
    rows = []
    for name, values in series.items():
        try:
            numbers = tuple(float(v) for v in values)
        except (TypeError, ValueError):
            raise InvalidInput(f"series {name!r} holds something that is not a number; give numbers only.") from None
        if not numbers or not all(math.isfinite(v) for v in numbers):
            raise InvalidInput(f"series {name!r} is empty or holds NaN/infinity; give at least one finite number.")
        rows.append((str(name), numbers))
    length = len(rows[0][1])
    if any(len(values) != length for _, values in rows):
        raise InvalidInput("the series differ in length: "
                           + ", ".join(f"{name}: {len(values)}" for name, values in rows)
                           + "; record every series at every step.")
    xs = tuple(float(v) for v in x) if x is not None else tuple(float(i) for i in range(1, length + 1))
    if len(xs) != length or any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
        raise InvalidInput(f"x has {len(xs)} values for series of {length}; give one increasing x per value.")
    return Timeline(title=title, x_label=x_label, x=xs, series=tuple(rows))


def _bounds(values: Sequence[float]) -> tuple[float, float]:
    """The band's scale: from 0 (or the lowest value, if negative) to the highest value (a flat band: low + 1)."""
    low, high = min(0.0, min(values)), max(values)
    return low, high if high > low else low + 1


def _level(value: float, low: float, high: float) -> int:
    return round((value - low) / ((high - low) or 1) * (len(BLOCKS) - 1))


def _ticks(x0: float, x1: float) -> list[float]:
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, math.inf) if (x1 - x0) / s <= 10)
    if step == math.inf:
        return [x0, x1]
    first = math.ceil(x0 / step) * step
    return [first + k * step for k in range(int((x1 - first) // step) + 1)]


def _num(value: float) -> str:
    return f"{value:g}"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
