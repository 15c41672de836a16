"""The course's ipywidgets: a quiz, the pricing explorer and a task-size picker (made by `labkit.course.widgets`).

Every widget keeps its state in the kernel (`quiz.answer`, `quiz.verdict`, `explorer.cost`, `picker.size`),
so tests and the grader can drive it without a browser. Feedback goes into HTML widgets from callbacks,
never into an Output written while a cell runs (nbval would see it as stray output).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from labkit.course.exercises import Quiz, Verdict, check
from labkit.data import facts
from labkit.errors import InvalidInput, LabkitError
from labkit.model.pricing import fargate_cost_for_size
from labkit.model.sizes import normalize_os, size_hint, valid_sizes
from labkit.model.units import gb_text, vcpu_text

__all__ = ["PricingExplorer", "QuizWidget", "TaskSizePicker"]


# ---- quizzes ----------------------------------------------------------------------------------------------

class QuizWidget(w.VBox):
    """A quiz question with a Check button; the verdict and the explanation appear after answering."""

    def __init__(self, spec: Quiz, answer: Any = None) -> None:
        self.spec = spec
        self.verdict: Verdict | None = None
        question = w.HTML(f"<b>{html.escape(spec.text(spec.question))}</b>")
        options = [(f"{k}. {v}", k) for k, v in spec.choice_texts().items()]
        if spec.kind == "single":
            self._choice: Any = w.RadioButtons(options=options, index=None, layout=w.Layout(width="auto"))
            inputs: list[Any] = [self._choice]
        elif spec.kind == "multiple":
            self._boxes = {k: w.Checkbox(value=False, description=label, indent=False,
                                         layout=w.Layout(width="auto")) for label, k in options}
            inputs = list(self._boxes.values())
        else:
            self._number = w.FloatText(value=0.0, description=spec.unit or "answer")
            inputs = [self._number]
        self.button = w.Button(description="Check", button_style="primary")
        self.feedback = w.HTML("")
        self.button.on_click(lambda _button: self.submit())
        super().__init__([question, *inputs, self.button, self.feedback])
        if answer is Ellipsis:
            check(spec.id, answer)  # a blank answer cell: recorded as "no answer yet" for the grader
        elif answer is not None:
            self.answer = answer
            self.submit()

    @property
    def answer(self) -> Any:
        """The current answer as `labkit.check` takes it: "B", ["A", "C"] or a number (None if unanswered)."""
        if self.spec.kind == "single":
            return self._choice.value
        if self.spec.kind == "multiple":
            picked = [k for k, box in self._boxes.items() if box.value]
            return picked or None
        return self._number.value

    @answer.setter
    def answer(self, value: Any) -> None:
        if self.spec.kind == "single":
            key = str(value).strip().upper()
            if key not in self.spec.choices:
                raise InvalidInput(f"{value!r} is not a choice of this quiz; choose one of "
                                   f"{', '.join(self.spec.choices)}.")
            self._choice.value = key
        elif self.spec.kind == "multiple":
            keys = {str(v).strip().upper() for v in ([value] if isinstance(value, str) else value)}
            unknown = keys - set(self.spec.choices)
            if unknown:
                raise InvalidInput(f"{', '.join(sorted(unknown))} is not a choice of this quiz; choose from "
                                   f"{', '.join(self.spec.choices)}.")
            for k, box in self._boxes.items():
                box.value = k in keys
        else:
            self._number.value = float(value)

    def submit(self) -> Verdict:
        """Grade the current answer (what the Check button does), record it, and show the explanation."""
        self.verdict = check(self.spec.id, self.answer)
        explanation = self.spec.text(self.spec.explanation)
        extra = f"<div style='margin-top:0.3em'>{html.escape(explanation)}</div>" if explanation else ""
        self.feedback.value = self.verdict._repr_html_() + extra
        return self.verdict

    @property
    def explanation_shown(self) -> bool:
        """True once the learner has answered and the explanation is on screen."""
        return self.verdict is not None

    def __repr__(self) -> str:
        state = "answered" if self.verdict else "not answered yet"
        return f"Quiz: {self.spec.title} ({state})"


# ---- pricing explorer -------------------------------------------------------------------------------------

_LABEL_COLUMN = {"description_width": "80px", "button_width": "100px"}  # the sliders' label width, by default


def _row() -> w.Layout:
    return w.Layout(display="flex", flex_flow="row", align_items="center")


class PricingExplorer(w.VBox):
    """Sliders for a Fargate workload and its live cost from `labkit.pricing.fargate_cost_for_size`."""

    def __init__(self, *, hours: float = 730, tasks: int = 1) -> None:
        month = facts()["billing"]["hours_per_month"]
        # ToggleButtons stack their label above the buttons; a row puts it beside them, like the sliders' labels
        self.os = w.ToggleButtons(options=["LINUX", "WINDOWS"], value="LINUX", description="OS", layout=_row(),
                                  style=_LABEL_COLUMN)
        self.arch = w.ToggleButtons(options=["X86_64", "ARM64"], value="X86_64", description="arch", layout=_row(),
                                    style=_LABEL_COLUMN)
        self.vcpu = w.SelectionSlider(options=[("0", 0)], description="vCPU", continuous_update=False)
        self.memory = w.SelectionSlider(options=[("0", 0)], description="memory", continuous_update=False)
        self.hours = w.FloatSlider(value=hours, min=0, max=month, step=1, description="hours/task",
                                   continuous_update=False)
        self.tasks = w.IntSlider(value=tasks, min=1, max=20, description="tasks", continuous_update=False)
        self.spot = w.Checkbox(value=False, description="Fargate Spot", indent=False)
        self.output = w.HTML("")
        self.error = ""
        self._updating = False
        self._fill_cpu()
        for control in (self.vcpu, self.memory, self.hours, self.tasks, self.arch, self.spot):
            control.observe(self._changed, names="value")
        self.os.observe(self._os_changed, names="value")
        super().__init__([self.os, self.arch, self.vcpu, self.memory, self.hours, self.tasks, self.spot,
                          self.output])
        self._render()

    def _sizes(self) -> list[tuple[int, int]]:

        return valid_sizes(self.os.value)

    def _fill_cpu(self) -> None:
        cpus = sorted({c for c, _ in self._sizes()})
        self._updating = True
        self.vcpu.options = [(vcpu_text(c), c) for c in cpus]
        self.vcpu.value = cpus[0] if self.os.value == "WINDOWS" else cpus[min(2, len(cpus) - 1)]
        self._fill_memory()
        self._updating = False

    def _fill_memory(self) -> None:
        mems = [m for c, m in self._sizes() if c == self.vcpu.value]
        keep = self.memory.value if self.memory.value in mems else mems[0]
        was = self._updating
        self._updating = True
        self.memory.options = [(gb_text(m), m) for m in mems]
        self.memory.value = keep
        self._updating = was

    def _os_changed(self, _change: Any) -> None:
        windows = self.os.value == "WINDOWS"
        self._updating = True
        if windows:
            self.arch.value, self.spot.value = "X86_64", False
        self.arch.disabled = self.spot.disabled = windows
        self._updating = False
        self._fill_cpu()
        self._render()

    def _changed(self, change: Any) -> None:
        if self._updating:
            return
        if change["owner"] is self.vcpu:
            self._fill_memory()
        self._render()

    @property
    def cost(self) -> Any:
        """The current `labkit.pricing.Cost` (None when the combination is refused; see `.error`)."""
        try:
            self.error = ""
            return fargate_cost_for_size(self.vcpu.value, self.memory.value, self.hours.value * 3600,
                                         tasks=self.tasks.value, arch=self.arch.value, os=self.os.value,
                                         spot=self.spot.value)
        except LabkitError as err:
            self.error = str(err)
            return None

    def _render(self) -> None:
        cost = self.cost
        self.output.value = cost._repr_html_() if cost is not None else \
            f"<div style='color:#b35900'>{html.escape(self.error)}</div>"

    def __repr__(self) -> str:
        return "Pricing explorer"


# ---- task size picker -------------------------------------------------------------------------------------

class TaskSizePicker(w.VBox):
    """Two dropdowns that only offer valid Fargate sizes (`labkit.fargate.valid_sizes`)."""

    def __init__(self, os: str = "LINUX") -> None:

        self.os_name = normalize_os(os)
        self._sizes = valid_sizes(self.os_name)
        cpus = sorted({c for c, _ in self._sizes})
        self.cpu = w.Dropdown(options=[(f"{c} ({vcpu_text(c)})", c) for c in cpus], value=cpus[0],
                              description="cpu")
        self.memory = w.Dropdown(options=[], description="memory")
        self.summary = w.HTML("")
        self._fill()
        self.cpu.observe(lambda _c: self._fill(), names="value")
        self.memory.observe(lambda _c: self._show(), names="value")
        super().__init__([self.cpu, self.memory, self.summary])

    def _fill(self) -> None:
        mems = [m for c, m in self._sizes if c == self.cpu.value]
        self.memory.options = [(f"{m} MiB ({gb_text(m)})", m) for m in mems]
        self.memory.value = mems[0]
        self._show()

    def _show(self) -> None:

        if self.memory.value is not None:
            self.summary.value = html.escape(size_hint(self.cpu.value, self.memory.value, self.os_name))

    @property
    def size(self) -> tuple[int, int]:
        """The chosen (cpu units, memory MiB): always a valid Fargate size."""
        return self.cpu.value, self.memory.value

    @property
    def options(self) -> list[tuple[int, int]]:
        """Every size the picker can offer."""
        return list(self._sizes)

    def __repr__(self) -> str:
        return f"Task size picker ({self.os_name})"


