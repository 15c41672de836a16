"""The class report: how a class did on an assignment, for the instructor (`labkit grade ... --report report.md`).

Which checks the class fails most, how the totals spread (a text histogram, and an SVG one beside the Markdown),
how each exercise went, and which submissions timed out, crashed or could not be graded. Hidden checks are named
here: this report is the instructor's, not a learner's.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from labkit.course.exercises import points_text
from labkit.course.grading.report import HIDDEN, PROBLEMS, GradeReport
from labkit.errors import InvalidInput

BAR = "█"
BAR_WIDTH = 30  # characters of the longest bar in the text histogram


@dataclass(frozen=True)
class FailedCheck:
    """One check of one exercise and how many submissions did not earn it."""

    exercise_id: str
    check: str
    hidden: bool
    failed: int

    @property
    def label(self) -> str:
        return f"{self.exercise_id}: {self.check}" + (f" ({HIDDEN})" if self.hidden else "")


@dataclass(frozen=True)
class ClassReport:
    """Figures for a class's submissions of one assignment (build it with `class_report(reports)`)."""

    assignment: str
    reports: tuple[GradeReport, ...]

    @property
    def points(self) -> float:
        return max((r.points for r in self.reports), default=0.0)

    @property
    def totals(self) -> list[float]:
        return [r.score for r in self.reports]

    def failed_checks(self) -> list[FailedCheck]:
        """Every check some submission did not earn, most failed first (a check not run because of an earlier
        failure or a blank answer counts as not earned)."""
        counts: Counter[tuple[str, str, bool]] = Counter()
        for r in self.reports:
            for e in r.exercises:
                for p in e.parts:
                    if not p.passed:
                        counts[(e.exercise_id, p.name, p.hidden)] += 1
        return [FailedCheck(eid, name, hidden, n)
                for (eid, name, hidden), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def bins(self) -> list[tuple[float, float, int]]:
        """(low, high, submissions) for the score histogram: one bin per point up to 20 points, else 10 bins."""
        top = self.points
        count = max(1, min(20, int(round(top)))) if top <= 20 else 10
        width = top / count if top else 1.0
        out = []
        for i in range(count):
            low, high = i * width, (i + 1) * width
            last = i == count - 1
            n = sum(1 for t in self.totals if low <= t < high or (last and t >= high - 1e-9))
            out.append((low, high, n))
        return out

    def problems(self) -> dict[str, list[str]]:
        """Submissions by what went wrong with them (timed out, kernel died, ...), in `PROBLEMS` order."""
        found = {p: [r.submission for r in self.reports if p in r.problems] for p in PROBLEMS}
        return {p: subs for p, subs in found.items() if subs}

    def histogram_text(self) -> list[str]:
        bins = self.bins()
        most = max((n for _, _, n in bins), default=0) or 1
        return [f"{points_text(round(low, 2)):>6} - {points_text(round(high, 2)):<6} "
                f"{BAR * round(BAR_WIDTH * n / most):<{BAR_WIDTH}} {n}" for low, high, n in bins]

    def to_markdown(self, svg_name: str | None = None) -> str:
        """The report as Markdown; `svg_name` links the SVG histogram written beside it."""
        totals, n, pts = self.totals, len(self.reports), points_text(self.points)
        out = [f"# {self.assignment}: class report", "",
               f"{n} submission{'s' if n != 1 else ''}, out of {pts} points: "
               f"mean {points_text(round(statistics.fmean(totals), 2))}, "
               f"median {points_text(round(statistics.median(totals), 2))}, "
               f"lowest {points_text(min(totals))}, highest {points_text(max(totals))}; "
               f"{sum(1 for r in self.reports if r.points and r.score >= r.points)} at full marks.", "",
               "## Score distribution", "", "```", *self.histogram_text(), "```"]
        if svg_name:
            out += ["", f"![score distribution]({svg_name})"]
        out += ["", "## Exercises", "", "| exercise | passed | mean score |", "|---|---:|---:|"]
        for eid, title, points in self._exercises():
            grades = [e for r in self.reports for e in r.exercises if e.exercise_id == eid]
            passed = sum(1 for e in grades if e.passed)
            mean = statistics.fmean(e.score for e in grades) if grades else 0.0
            out.append(f"| {title} (`{eid}`) | {passed} / {len(grades)} | "
                       f"{points_text(round(mean, 2))} / {points_text(points)} |")
        out += ["", "## Checks failed most", ""]
        failed = self.failed_checks()
        out += [f"{i}. {c.label}: {c.failed} of {n}" for i, c in enumerate(failed, 1)] or ["Every check passed."]
        out += ["", "## Submissions that timed out, crashed or were not graded", ""]
        problems = self.problems()
        out += [f"- {kind}: {', '.join(f'`{s}`' for s in subs)}" for kind, subs in problems.items()] or ["None."]
        return "\n".join(out) + "\n"

    def _exercises(self) -> list[tuple[str, str, float]]:
        seen: dict[str, tuple[str, str, float]] = {}
        for r in self.reports:
            for e in r.exercises:
                seen.setdefault(e.exercise_id, (e.exercise_id, e.title, e.points))
        return list(seen.values())

    def histogram_svg(self) -> str:
        """The score histogram as a small SVG picture (no plotting library needed)."""
        bins = self.bins()
        most = max((n for _, _, n in bins), default=0) or 1
        bar_w, height, left, bottom = 28, 160, 36, 40
        width = left + bar_w * len(bins) + 16
        bars, labels = [], []
        for i, (low, _high, n) in enumerate(bins):
            h = height * n / most
            x = left + i * bar_w
            bars.append(f"<rect x='{x + 2}' y='{16 + height - h:.1f}' width='{bar_w - 4}' height='{h:.1f}' "
                        f"fill='#1c64f2'><title>{n}</title></rect>")
            if n:
                bars.append(f"<text x='{x + bar_w / 2}' y='{12 + height - h:.1f}' font-size='10' "
                            f"text-anchor='middle'>{n}</text>")
            labels.append(f"<text x='{x + bar_w / 2}' y='{16 + height + 14}' font-size='10' "
                          f"text-anchor='middle'>{points_text(round(low, 1))}</text>")
        title = html.escape(f"{self.assignment}: total scores of {len(self.reports)} submissions "
                            f"(out of {points_text(self.points)})")
        return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{16 + height + bottom}' "
                f"font-family='sans-serif'><title>{title}</title>"
                f"<line x1='{left}' y1='{16 + height}' x2='{width - 8}' y2='{16 + height}' stroke='#333'/>"
                + "".join(bars) + "".join(labels)
                + f"<text x='{width / 2}' y='{16 + height + 32}' font-size='11' text-anchor='middle'>"
                  "total score (bin start)</text></svg>\n")


def class_report(reports: Sequence[GradeReport]) -> ClassReport:
    """The class report of graded submissions (all of one assignment)."""
    if not reports:
        raise InvalidInput("no submissions were graded, so there is no class report to write")
    names = sorted({r.assignment for r in reports if r.assignment != "unknown"})
    return ClassReport(" and ".join(names) or "unknown", tuple(reports))


def write_class_report(reports: Sequence[GradeReport], out: str | Path) -> list[Path]:
    """Write the class report (Markdown) and its histogram as an SVG beside it; returns both paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = class_report(reports)
    svg = out.with_suffix(".svg")
    svg.write_text(report.histogram_svg(), encoding="utf-8")
    out.write_text(report.to_markdown(svg.name), encoding="utf-8")
    return [out, svg]
