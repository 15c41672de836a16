"""labkit.model.text: results show their str() as IPython's plain text, and keep a repr for debugging."""

from __future__ import annotations

from dataclasses import dataclass

from IPython.lib.pretty import pretty

from labkit.lab.doctor import Report
from labkit.lab.meter import Bill
from labkit.model.text import ShownAsText
from labkit.pricing import Comparison, Cost, Ec2Cost, fargate_cost


@dataclass(frozen=True)
class Sample(ShownAsText):
    n: int

    def __str__(self) -> str:
        return f"{self.n} things"


def test_a_dataclass_shows_its_text_and_keeps_its_repr():
    assert pretty(Sample(3)) == "3 things"
    assert repr(Sample(3)) == "Sample(n=3)"


def test_a_cost_shows_the_table_a_learner_reads():
    cost = fargate_cost(1, 2, 3600)
    assert pretty(cost) == str(cost) and pretty(cost).startswith("Fargate cost (ECS, us-east-1")
    assert repr(cost).startswith("Cost(cpu=")


def test_every_result_with_html_has_plain_text_too():
    for cls in (Cost, Ec2Cost, Comparison, Bill, Report):
        assert issubclass(cls, ShownAsText) and "_repr_pretty_" in vars(cls), cls.__name__
