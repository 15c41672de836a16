"""The course's lessons in teaching order: each one's notebook, the exercise topics it checks, what it runs for real.

A lesson is named by its notebook's path under `notebooks/` without `.ipynb` (`04_pricing`, `assignments/capstone`).
Its topics are the modules `labkit/course/exercises/<topic>.py` whose exercises it checks (`labkit.check("pricing.x")`
belongs to topic `pricing`). Its runs are what its optional real-mode path starts on Fargate: the sizes and times
are the lesson's choices, not Fargate facts, and they price the README's real-mode cost table
(`python -m labkit.cli.ops lesson-costs`). A test keeps this map equal to the notebooks.
`REFERENCE` names the notebooks that are not lessons: pages every lesson links to (the glossary), which nbval runs but
which check no exercise and run nothing for real.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labkit.course.student import SOURCE_DIR, STUDENT_DIR
from labkit.model.pricing import fargate_cost, load_balancer_cost
from labkit.model.units import size_text

NOTEBOOK_DIR = Path("notebooks")


@dataclass(frozen=True)
class Run:
    """Fargate tasks a lesson runs for real: how many, how big, for how long."""

    tasks: int
    vcpu: float
    memory_gb: float
    minutes: float
    spot: bool = False

    def cost(self, region: str) -> float:
        """Per labkit's pricing, minimums included; Spot counted at the on-demand rate, as the budget counts it."""
        return fargate_cost(self.vcpu, self.memory_gb, self.minutes * 60, tasks=self.tasks, region=region).total

    def __str__(self) -> str:
        runs = "task" if self.tasks == 1 else "tasks"
        where = " on Fargate Spot" if self.spot else ""
        return f"{self.tasks} {runs} of {size_text(self.vcpu, self.memory_gb)}{where} for {self.minutes:g} min"


@dataclass(frozen=True)
class BalancerRun:
    """An Application Load Balancer a lesson keeps for real: each hour or partial hour billed, with the LCUs
    labkit budgets (labkit.data, prices.alb)."""

    minutes: float

    def cost(self, region: str) -> float:
        return load_balancer_cost(self.minutes * 60, region)

    def __str__(self) -> str:
        return f"1 Application Load Balancer for {self.minutes:g} min (billed by the hour, with 1 LCU)"


@dataclass(frozen=True)
class Lesson:
    """One lesson: its notebook (by name), the exercise topics it checks, and what its real-mode path runs."""

    name: str
    topics: tuple[str, ...]
    runs: tuple[Run | BalancerRun, ...] = ()
    note: str = ""  # what the real-mode path does, in a few words (the cost table shows it)

    @property
    def notebook(self) -> Path:
        """The notebook a learner opens, relative to the course folder."""
        return NOTEBOOK_DIR / f"{self.name}.ipynb"

    @property
    def source(self) -> Path | None:
        """For an assignment, the instructor's source its student copy is made from; None for a lesson."""
        return SOURCE_DIR / self.notebook.name if self.notebook.parent == STUDENT_DIR else None


@dataclass(frozen=True)
class LessonCost:
    """One row of the cost table: a lesson, what it runs for real, and what that costs."""

    lesson: str
    runs: tuple[Run | BalancerRun, ...]
    note: str = ""
    region: str = "us-east-1"

    @property
    def total(self) -> float:
        return sum(run.cost(self.region) for run in self.runs)

    @property
    def description(self) -> str:
        text = "; ".join(str(run) for run in self.runs) or "nothing"
        return f"{text} ({self.note})" if self.note else text

    @property
    def cost_text(self) -> str:
        return f"${self.total:.4f}" if self.runs else "$0"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_start_here", ("start",), (), "connects and shows the account"),
    Lesson("01_recap_orchestration", ("recap",), (Run(1, 0.25, 0.5, 5),),
           "one task run on Fargate after the EC2 launch type fails"),
    Lesson("02_what_is_fargate", ("fargate_basics",), (Run(3, 0.25, 0.5, 5),), "three tasks, to find each one's ENI"),
    Lesson("03_how_fargate_works", ("workflow",), (Run(4, 1, 2, 30), Run(2, 1, 2, 5)),
           "the web service at its smallest size for 0.75 vCPU / 1.5 GB, scaled to 4, and two one-off tasks"),
    Lesson("04_pricing", ("pricing", "pricing_extra"), (Run(2, 0.25, 0.5, 20, spot=True),),
           "Spot counted at the on-demand rate"),
    Lesson("05_use_cases", ("use_cases",), (Run(5, 0.25, 0.5, 30), Run(8, 1, 2, 1, spot=True), Run(1, 1, 3, 5)),
           "a service scaling out to 5 and back, a batch of one-minute tasks on Spot counted at the on-demand "
           "rate, and one inference task"),
    Lesson("06_eks_on_fargate", ("eks",), (), "mock or local mode only: real mode does not create EKS clusters"),
    Lesson("07_debugging", ("debugging",), (Run(10, 0.25, 0.5, 10),),
           "a small Spot-backed service, three small apps, and their replacements"),
    Lesson("08_production_service", ("production",),
           (Run(2, 0.25, 0.5, 45), Run(2, 0.25, 0.5, 15), BalancerRun(45)),
           "a service behind a load balancer, with the extra tasks of its deployments and scale-out"),
    Lesson("assignments/capstone", ("capstone",), (Run(5, 1, 2, 30), Run(5, 1, 2, 30, spot=True)),
           "a design that meets the brief: 5 on-demand and 5 Spot tasks, Spot counted at the on-demand rate"),
)


#: notebooks in notebooks/ that are reference pages, not lessons (written by `python -m tools.glossary_notebook`)
REFERENCE: tuple[Path, ...] = (NOTEBOOK_DIR / "glossary.ipynb",)


def lesson_costs(region: str = "us-east-1") -> list[LessonCost]:
    """What each lesson costs when run for real in `region`, per labkit's pricing."""
    return [LessonCost(e.name, e.runs, e.note, region) for e in LESSONS]
