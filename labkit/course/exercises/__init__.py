"""Exercises: a registry keyed by stable ids, and `check(exercise_id, answer)` for learners, nbval, graders.

One check serves three audiences. A learner calls `labkit.check("pricing.short_task", answer)` and sees a
short, stable verdict; nbval compares that same text in CI; the grader (`labkit.course.grading`) reads the verdicts
the kernel recorded (`results()`) after running a submission's answer cells in a fresh kernel.

How to add exercises for a lesson (one module per topic: ``labkit/exercises/<topic>.py``; ids start with
``<topic>.`` so `check` imports the module only when one of its exercises is first checked)::

    from labkit.course.exercises import Exercise, Wrong, register, number, close

    SHORT = register(Exercise(
        "pricing.short_task", "A 20-second task", points=2,
        prompt="What does one 20-second run of a 0.25 vCPU / 0.5 GB Linux task cost, in USD?",
        hints=("Fargate bills per second, with a minimum per task run.",),
    ))

    @SHORT.check("the cost of one run")            # a value check: (answer, ctx) -> None, or raise Wrong
    def _cost(answer, ctx):
        got = number(answer, "a cost in US dollars")   # wrong types become a friendly message
        expected = ...                             # from labkit.pricing / labkit.data: never typed in
        if close(got, expected):
            return
        if close(got, expected_without_minimum):   # recognise a typical mistake ...
            raise Wrong("You billed only the seconds the task ran.",
                        hint="...and teach the rule it breaks")
        raise Wrong("That is not what one run costs.")

- Lab-state checks: ``Exercise(..., needs_lab=True)`` and read the account only through
  ``ctx.lab.client("ecs")`` (plain boto3 calls), so the check works in mock, local and real modes. The
  learner passes the lab: ``labkit.check("pricing.spot_strategy", "web", lab=lab)``.
- Hints come in tiers: ``Exercise(hints=(first, closer, ...))`` are general; ``Wrong(message, hint=...)`` (one
  text or a tuple of tiers) names the rule a specific mistake breaks, and wins. The first miss of an exercise
  (in this kernel, for this lab) shows the first tier, which points the way; each further miss shows the next,
  closer one; a pass starts again at the first. No tier gives the answer outright. ``Wrong(..., stop=True)``
  skips the remaining checks (use it when the answer's shape is wrong and nothing else can be judged).
- Weights: ``@EX.check(name, weight=2)``; an exercise's score is ``points`` times the passed share of weights
  (partial credit). ``@EX.check(name, required=True)`` is a requirement (the answer's shape, something the
  starting code already does right): it earns nothing, and while it fails the exercise scores 0. So untouched
  starting code, which passes only requirements, scores 0.
- Hidden checks: declare ``Exercise(..., hidden=True)`` and write the checks in an instructor-only cell tagged
  ``hidden-check`` (``labkit student`` removes it), with ``@hidden_check("capstone.cost")``. Without them
  ``hidden_pending`` is true, the score is 0 and the verdict shows no points: it says which checks passed here
  and that the rest, and the points, come at grading; when only the answer's shape is checked here, it shows no
  tick either ("answer received; its value is checked at grading").
- Quizzes: ``register_quiz(Quiz("pricing.quiz_spot", ...))`` for single or multiple choice, or
  ``Quiz(..., expected=callable, tolerance=...)`` for a number; ``labkit.widgets.quiz(id)`` shows it and
  ``check(id, "B")`` grades it like any other exercise.

Every verdict is recorded in this kernel (``results()``); exceptions inside a check become a friendly part
of the verdict, never a traceback. Under strict grading (``LABKIT_GRADING=strict`` in the kernel's environment,
as ``pytest --labkit-strict`` sets it) a check that does not earn full marks raises `ExerciseNotPassed` after
recording its verdict, so that nbval and other pytest-based graders fail exactly the exercises not done.
"""

from __future__ import annotations

import difflib
import html
import importlib
import json
import math
import os
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from labkit.errors import ExerciseNotPassed, InvalidInput
from labkit.model.text import ShownAsText

__all__ = [
    "Check", "Context", "Exercise", "Hint", "Part", "Prompt", "Quiz", "Verdict", "Wrong", "all_ids", "check", "close",
    "get", "hidden_check", "number", "points_text", "prompt", "register", "register_quiz", "reset_hints",
    "reset_results", "results", "results_json", "strict", "tier",
]

UNKNOWN = "Unknown exercise"
NO_ANSWER = "No answer yet: replace the `...` with your answer and run the cell again."


Hint = str | Sequence[str]


class Wrong(Exception):
    """Raised by a check when the answer is wrong: `message` says what, `hint` teaches the rule.

    `hint` is one text or a tuple of tiers, from the one that points the way to the closest (see `tier`).
    """

    def __init__(self, message: str, hint: Hint = "", *, stop: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.stop = stop


@dataclass(frozen=True)
class Part:
    """The result of one check of an exercise."""

    name: str
    passed: bool
    message: str = ""
    hint: str = ""
    weight: float = 1.0
    hidden: bool = False
    skipped: bool = False
    required: bool = False


@dataclass(frozen=True, repr=False)
class Verdict:
    """What `check` says about one answer: passed or not, the score, each part, and a hint that teaches."""

    exercise_id: str
    title: str
    passed: bool
    score: float
    points: float
    parts: tuple[Part, ...] = ()
    hint: str = ""
    hidden_pending: bool = False

    @property
    def shape_only(self) -> bool:
        """True when every check run here is a requirement (the answer's shape): its value is judged elsewhere."""
        return bool(self.parts) and all(p.required for p in self.parts)

    def _part_lines(self) -> list[str]:
        lines = []
        for part in self.parts:
            if part.skipped:
                continue
            mark = "✓" if part.passed else "✗"
            text = part.name if part.passed or not part.message else f"{part.name}: {part.message}"
            lines.append(f"  {mark} {text}")
        return lines

    def _pending_text(self) -> str:
        """The text while hidden checks have not run: no points, and no tick for what was not verified here."""
        if self.passed and self.shape_only:
            shape = "; ".join(p.name for p in self.parts)
            return (f"○ {self.title}: answer received ({shape}); its value is checked at grading, "
                    "and its points are given there.")
        if self.passed:
            return (f"✓ {self.title}: the checks here pass; more checks run at grading, "
                    "where the points are given.")
        lines = [f"✗ {self.title}: not yet (points are given at grading).", *self._part_lines(),
                 "  (more checks run at grading)"]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        if self.title == UNKNOWN and self.parts:
            return "\n".join(x for x in (f"✗ {self.parts[0].message}", self.hint) if x)
        if self.hidden_pending:
            return self._pending_text()
        pts = f"{points_text(self.score)}/{points_text(self.points)} points"
        if self.passed:
            return f"✓ {self.title}: passed ({pts})."
        lines = [f"✗ {self.title}: not yet ({pts}).", *self._part_lines()]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)  # IPython shows repr as text/plain: the short text is what nbval compares

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        if self.passed and self.hidden_pending and self.shape_only:
            colour = "#57606a"  # received, not yet judged: neither green nor orange
        rows = "".join(
            f"<li>{'✓' if p.passed else '✗'} {html.escape(p.name)}"
            + (f": {html.escape(p.message)}" if p.message and not p.passed else "") + "</li>"
            for p in self.parts if not p.skipped
        )
        head = html.escape(str(self).splitlines()[0])
        hint = f"<div><b>Hint:</b> {html.escape(self.hint)}</div>" if self.hint and not self.passed else ""
        body = f"<ul style='margin:0.2em 0'>{rows}</ul>" if rows and not self.passed else ""
        return (f"<div class='labkit-verdict' style='border-left:4px solid {colour};padding:0.2em 0.6em'>"
                f"<b style='color:{colour}'>{head}</b>{body}{hint}</div>")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the grader reads it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        """The inverse of `as_dict`."""
        parts = tuple(Part(**p) for p in data.get("parts", ()))
        return cls(**{**data, "parts": parts})


def points_text(x: float) -> str:
    """Points as a verdict and a grade report show them: whole or to two places (2, 0.5, 0.67)."""
    return f"{x:g}" if abs(x - round(x, 2)) < 1e-9 else f"{x:.2f}"


@dataclass
class Context:
    """What a check gets besides the answer: the exercise and, for lab-state checks, the Lab."""

    exercise: Exercise
    lab: Any = None
    level: int = 0  # how many times this exercise was missed before (in this kernel, for this lab): the hint tier

    def client(self, name: str) -> Any:
        """A boto3 client of the learner's Lab (works the same in mock, local and real modes)."""
        if self.lab is None:
            raise Wrong("This exercise looks at your lab: pass it as `lab=lab`.",
                        hint=f'labkit.check("{self.exercise.id}", answer, lab=lab)', stop=True)
        return self.lab.client(name)


CheckFn = Callable[[Any, Context], None]


@dataclass(frozen=True)
class Check:
    """One named check of an exercise; `fn(answer, ctx)` returns None when it passes or raises `Wrong`."""

    name: str
    fn: CheckFn
    weight: float = 1.0
    hidden: bool = False
    required: bool = False


@dataclass
class Exercise:
    """An exercise: a stable id, a title, points, checks and hints. Register it with `register`."""

    id: str
    title: str
    points: float = 1.0
    prompt: str = ""
    hints: Sequence[str] = ()  # general hints, in tiers: the first points the way, later ones get closer
    needs_lab: bool = False
    needs_answer: bool = True
    hidden: bool = False
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, *, weight: float = 1.0, required: bool = False) -> Callable[[CheckFn], CheckFn]:
        """Decorator adding a public check named `name` (what the learner sees beside ✓/✗).

        `required=True` makes it a requirement: it earns nothing, and while it fails the exercise scores 0.
        """

        def add(fn: CheckFn) -> CheckFn:
            self.checks.append(Check(name, fn, weight, required=required))
            return fn

        return add


_REGISTRY: dict[str, Exercise] = {}
_HIDDEN: dict[str, list[Check]] = {}
_RESULTS: dict[str, Verdict] = {}
_TOPICS_LOADED: set[str] = set()


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (re-registering the same id replaces it, so modules can reload)."""
    if "." not in exercise.id:
        raise ValueError(f"exercise id {exercise.id!r} should be '<topic>.<name>', e.g. 'pricing.short_task'")
    _REGISTRY[exercise.id] = exercise
    return exercise


def hidden_check(exercise_id: str, name: str | None = None, *,
                 weight: float = 1.0) -> Callable[[CheckFn], CheckFn]:
    """Decorator for an instructor-only check, written in a `hidden-check` cell; runs with the public ones."""

    def add(fn: CheckFn) -> CheckFn:
        label = name or fn.__name__.replace("_", " ").strip()
        checks = _HIDDEN.setdefault(exercise_id, [])
        checks[:] = [c for c in checks if c.name != label]
        checks.append(Check(label, fn, weight, hidden=True))
        return fn

    return add


def _topic_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


_LOAD_ERRORS: dict[str, str] = {}


def _load_topic(topic: str) -> None:
    if topic in _TOPICS_LOADED:
        return
    if topic in _topic_modules():
        try:  # a second thread here waits on Python's import lock: the registry is whole when either returns
            importlib.import_module(f"{__name__}.{topic}")
        except Exception as err:  # noqa: BLE001 - one broken topic module must not break every check
            _LOAD_ERRORS[topic] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
    _TOPICS_LOADED.add(topic)


def all_ids() -> list[str]:
    """Every registered exercise id (imports every topic module)."""
    for topic in _topic_modules():
        _load_topic(topic)
    return sorted(_REGISTRY)


def get(exercise_id: str) -> Exercise | None:
    """The exercise with this id, importing its topic module on first use; None when there is none."""
    if not isinstance(exercise_id, str):
        return None
    if exercise_id not in _REGISTRY:
        _load_topic(exercise_id.split(".", 1)[0])
    return _REGISTRY.get(exercise_id)


def results() -> dict[str, Verdict]:
    """The latest verdict of every exercise checked in this kernel, by id (what the grader reads)."""
    return dict(_RESULTS)


def results_json() -> str:
    """`results()` as JSON text."""
    return json.dumps({k: v.as_dict() for k, v in sorted(_RESULTS.items())}, sort_keys=True)


def reset_results() -> None:
    """Forget recorded verdicts and missed attempts (the grader starts each submission from nothing)."""
    _RESULTS.clear()
    reset_hints()


# ---- hint tiers -------------------------------------------------------------------------------------------

_MISSES: dict[tuple[str, str], int] = {}


def reset_hints() -> None:
    """Forget how often each exercise was missed: every hint starts again at its first tier."""
    _MISSES.clear()


def tier(hint: Hint, level: int) -> str:
    """The hint to show after `level` earlier misses: tier `level` of `hint`, or its last (closest) one."""
    tiers = [hint] if isinstance(hint, str) else [h for h in hint if h]
    return tiers[min(max(level, 0), len(tiers) - 1)] if tiers else ""


def _misses_key(ex: Exercise, lab: Any) -> tuple[str, str]:
    return ex.id, str(getattr(lab, "id", "") or "")


@dataclass(frozen=True)
class Prompt(ShownAsText):
    """What an exercise asks, as the notebook shows it: `labkit.prompt("pricing.short_task")`."""

    exercise_id: str
    title: str
    text: str

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        body = html.escape(self.text).replace("\n", "<br>")
        return (f"<div class='labkit-prompt' style='border-left:4px solid #1c64f2;padding:0.2em 0.6em'>"
                f"<b>{html.escape(self.title)}</b> <code>{html.escape(self.exercise_id)}</code><br>{body}</div>")


def prompt(exercise_id: str) -> Prompt:
    """What exercise `exercise_id` asks, for the notebook to show above the answer cell."""
    ex = get(exercise_id)
    if ex is None or not ex.prompt:
        known = [i for i in all_ids() if get(i) is not None and get(i).prompt]  # type: ignore[union-attr]
        close_ids = difflib.get_close_matches(str(exercise_id), known, n=3, cutoff=0.6)
        suggestion = f" Did you mean {', '.join(close_ids)}?" if close_ids else ""
        raise InvalidInput(f"no exercise {exercise_id!r} with a prompt.{suggestion} The id is written in the "
                           "notebook, e.g. labkit.prompt('pricing.short_task').")
    return Prompt(ex.id, ex.title, ex.prompt)


# ---- helpers for writing checks ---------------------------------------------------------------------------

def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def number(answer: Any, what: str = "a number") -> float:
    """The answer as a float; a friendly `Wrong` for text, None, booleans, NaN and the like."""
    if isinstance(answer, bool) or answer is None or answer is Ellipsis:
        raise Wrong(f"Expected {what}, got {_describe(answer)}.", stop=True)
    if hasattr(answer, "total") and not isinstance(answer, (int, float)):
        answer = answer.total
    if isinstance(answer, str):
        try:
            answer = float(answer.strip().lstrip("$").replace(",", ""))
        except ValueError:
            raise Wrong(f"Expected {what}, got the text {answer!r}.",
                        hint="Give a plain Python number, e.g. 12.34 (no quotes).", stop=True) from None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise Wrong(f"Expected {what}, got {_describe(answer)}.", stop=True) from None
    if math.isnan(value) or math.isinf(value):
        raise Wrong(f"Expected {what}, got {value}.", stop=True)
    return value


def close(got: float, expected: float, *, rel: float = 0.005, abs_tol: float = 1e-9) -> bool:
    """True when `got` is within `rel` (relative) or `abs_tol` of `expected`: money rounds to cents."""
    return math.isclose(got, expected, rel_tol=rel, abs_tol=abs_tol)


def item(answer: Any, key: str, what: str = "your answer") -> Any:
    """`answer[key]` or `answer.key`, with a friendly `Wrong` naming the missing field."""
    if isinstance(answer, dict):
        if key in answer:
            return answer[key]
    elif hasattr(answer, key):
        return getattr(answer, key)
    raise Wrong(f"{what.capitalize()} has no {key!r}.", hint=f"Include {key!r} in {what}.", stop=True)


# ---- quizzes ----------------------------------------------------------------------------------------------

@dataclass
class Quiz:
    """A quiz question: single choice (`correct` one key), multiple choice (several), or numeric (`expected`).

    Texts may be callables so that numbers in them come from `labkit.data` when shown, never typed in.
    """

    id: str
    title: str
    question: str | Callable[[], str]
    choices: dict[str, str | Callable[[], str]] = field(default_factory=dict)
    correct: frozenset[str] = frozenset()
    explanation: str | Callable[[], str] = ""
    expected: Callable[[], float] | None = None
    tolerance: float = 0.0
    unit: str = ""
    points: float = 1.0
    wrong_hints: dict[str, str] = field(default_factory=dict)
    hint: Hint = ""

    @property
    def kind(self) -> str:
        if self.expected is not None:
            return "numeric"
        return "multiple" if len(self.correct) > 1 else "single"

    def text(self, value: str | Callable[[], str]) -> str:
        return value() if callable(value) else value

    def choice_texts(self) -> dict[str, str]:
        return {k: self.text(v) for k, v in self.choices.items()}


_QUIZZES: dict[str, Quiz] = {}


def quiz_spec(exercise_id: str) -> Quiz | None:
    """The quiz behind an exercise id, or None when the id is not a quiz."""
    get(exercise_id)
    return _QUIZZES.get(exercise_id)


def _quiz_choices(q: Quiz, answer: Any) -> set[str]:
    if isinstance(answer, str):
        picked = {p.strip().upper() for p in answer.replace(",", " ").split()}
    elif isinstance(answer, Iterable):
        picked = set()
        for p in answer:
            if not isinstance(p, str):
                raise Wrong(f"Expected choice letters like 'B', got {_describe(p)}.", stop=True)
            picked.add(p.strip().upper())
    else:
        raise Wrong(f"Expected a choice letter such as 'B', got {_describe(answer)}.", stop=True)
    unknown = picked - set(q.choices)
    if unknown or not picked:
        raise Wrong(f"{', '.join(sorted(unknown)) or 'nothing'} is not one of the choices "
                    f"{', '.join(sorted(q.choices))}.", stop=True)
    if q.kind == "single" and len(picked) > 1:
        raise Wrong("Pick exactly one choice.", stop=True)
    return picked


def register_quiz(q: Quiz) -> Quiz:
    """Register a quiz as an exercise: `check(q.id, answer)` and `labkit.widgets.quiz(q.id)` both grade it."""
    ex = register(Exercise(q.id, q.title, points=q.points, prompt="", hints=()))

    @ex.check("your choice" if q.kind != "numeric" else "your number")
    def _grade(answer: Any, ctx: Context) -> None:
        if q.kind == "numeric":
            got = number(answer, f"a number{' in ' + q.unit if q.unit else ''}")
            expected = q.expected()  # type: ignore[misc]
            if abs(got - expected) <= q.tolerance + 1e-12:
                return
            raise Wrong("Not quite.", hint=q.hint or f"Within {q.tolerance:g} {q.unit} is close enough.")
        picked = _quiz_choices(q, answer)
        if picked == set(q.correct):
            return
        hints = [q.wrong_hints[k] for k in sorted(picked - set(q.correct)) if k in q.wrong_hints]
        if q.kind == "multiple":
            missing = set(q.correct) - picked
            extra = picked - set(q.correct)
            msg = " ".join(s for s in (f"{len(missing)} correct choice(s) missing." if missing else "",
                                       f"{len(extra)} choice(s) should not be picked." if extra else "") if s)
            raise Wrong(msg, hint=" ".join(hints) or q.hint)
        raise Wrong("Not this one.", hint=" ".join(hints) or q.hint)

    _QUIZZES[q.id] = q
    return q


# ---- the check itself -------------------------------------------------------------------------------------

def _unknown(exercise_id: Any) -> Verdict:
    if not isinstance(exercise_id, str):
        msg = f"An exercise id is text like 'pricing.short_task', got {_describe(exercise_id)}."
        parts = (Part("exercise id", False, msg),)
        return Verdict(str(exercise_id), UNKNOWN, False, 0.0, 0.0, parts)
    ids = all_ids()
    matches = difflib.get_close_matches(exercise_id, ids, n=3, cutoff=0.6)
    topic = exercise_id.split(".", 1)[0]
    if not matches:
        matches = [i for i in ids if i.startswith(topic + ".")][:5]
    msg = f"No exercise {exercise_id!r}."
    hint = f"Did you mean: {', '.join(matches)}?" if matches else "Check the id written in the notebook."
    return Verdict(exercise_id, UNKNOWN, False, 0.0, 0.0, (Part("exercise id", False, msg),), hint)


def _run_one(c: Check, answer: Any, ctx: Context) -> tuple[Part, bool]:
    """Run one check: its Part (with the hint tier of this attempt), and whether the remaining checks should be
    skipped."""
    try:
        c.fn(answer, ctx)
    except Wrong as w:
        return Part(c.name, False, w.message, tier(w.hint, ctx.level), c.weight, c.hidden, required=c.required), \
            w.stop
    except Exception as err:  # noqa: BLE001 - any failure inside a check becomes a friendly part
        detail = str(err).splitlines()[0] if str(err) else ""
        name = type(err).__name__
        msg = f"could not check your answer ({name}{': ' + detail[:120] if detail else ''})."
        hint = "Look at the type and shape of your answer: the exercise text says what it should be."
        if name in ("ClientError", "ParamValidationError", "NoCredentialsError", "EndpointConnectionError"):
            hint = "The lab answered with an error: is the lab still connected, and did the step before run?"
        return Part(c.name, False, msg, hint, c.weight, c.hidden, required=c.required), True
    return Part(c.name, True, weight=c.weight, hidden=c.hidden, required=c.required), False


def check(exercise_id: str, answer: Any = None, *, lab: Any = None) -> Verdict:
    """Check `answer` (and, for lab exercises, the `lab`'s state) against exercise `exercise_id`.

    Returns a Verdict: shown in a notebook as a short stable text, and recorded for the grader.
    """
    __tracebackhide__ = True  # strict grading's error points at the learner's cell, not into labkit
    ex = get(exercise_id)
    if ex is None:
        topic = exercise_id.split(".", 1)[0] if isinstance(exercise_id, str) else ""
        if topic in _LOAD_ERRORS:
            msg = f"The {topic} exercises could not be loaded ({_LOAD_ERRORS[topic]})."
            unknown = Verdict(exercise_id, UNKNOWN, False, 0.0, 0.0, (Part("exercise id", False, msg),),
                              "Tell your instructor: this is a bug in the course, not in your answer.")
        else:
            unknown = _unknown(exercise_id)
        if failure := _strict_failure(unknown):
            raise failure
        return unknown
    if lab is None and ex.needs_lab and _looks_like_lab(answer):
        answer, lab = None, answer
    key = _misses_key(ex, lab)
    ctx = Context(ex, lab, _MISSES.get(key, 0))
    hidden = list(_HIDDEN.get(ex.id, ()))
    checks = list(ex.checks) + hidden or [Check("answer", lambda a, c: None)]
    unanswered = ex.needs_answer and (answer is None or answer is Ellipsis)
    parts = _unanswered(checks) if unanswered else _run_all(checks, answer, ctx)
    failed = [p for p in parts if not p.passed and not p.skipped]
    passed = not failed and all(p.passed for p in parts)
    hint = "" if passed else next((p.hint for p in failed if p.hint), tier(ex.hints, ctx.level))
    pending = ex.hidden and not hidden
    verdict = Verdict(ex.id, ex.title, passed, 0.0 if pending else _score(ex.points, parts), float(ex.points),
                      tuple(parts), hint, hidden_pending=pending)
    if passed:
        _MISSES.pop(key, None)
    elif not unanswered:
        _MISSES[key] = ctx.level + 1
    _record(verdict)
    if failure := _strict_failure(verdict):
        raise failure
    return verdict


def _unanswered(checks: list[Check]) -> list[Part]:
    first = checks[0]
    parts = [Part(first.name, False, NO_ANSWER, weight=first.weight, hidden=first.hidden, required=first.required)]
    return parts + [Part(c.name, False, weight=c.weight, hidden=c.hidden, skipped=True, required=c.required)
                    for c in checks[1:]]


def _run_all(checks: list[Check], answer: Any, ctx: Context) -> list[Part]:
    parts: list[Part] = []
    stopped = False
    for c in checks:
        if stopped:
            parts.append(Part(c.name, False, "not checked: fix the part above first.", weight=c.weight,
                              hidden=c.hidden, skipped=True, required=c.required))
            continue
        part, stopped = _run_one(c, answer, ctx)
        parts.append(part)
    return parts


def _score(points: float, parts: list[Part]) -> float:
    """`points` times the passed share of the weights; 0 while a requirement fails (requirements earn nothing)."""
    if any(p.required and not p.passed for p in parts):
        return 0.0
    scored = [p for p in parts if not p.required]
    if not scored:
        return float(points) if parts and all(p.passed for p in parts) else 0.0
    total = sum(p.weight for p in scored) or 1.0
    return round(points * sum(p.weight for p in scored if p.passed) / total, 4)


RESULTS_FILE_ENV = "LABKIT_RESULTS_FILE"
#: The environment variable that says how this kernel is graded; `STRICT` makes unearned checks raise.
GRADING_ENV = "LABKIT_GRADING"
STRICT = "strict"


def strict() -> bool:
    """Whether checks raise when they do not earn full marks (``LABKIT_GRADING=strict``)."""
    return os.environ.get(GRADING_ENV, "").strip().lower() == STRICT


def _strict_failure(verdict: Verdict) -> ExerciseNotPassed | None:
    """Under strict grading, the error a verdict short of full marks raises: the exercise, its score, the hint."""
    full = verdict.passed and verdict.points > 0 and verdict.score >= verdict.points - 1e-9
    if full or (verdict.passed and verdict.hidden_pending) or not strict():  # hidden checks: on the merged copy
        return None
    score = f"{points_text(verdict.score)}/{points_text(verdict.points)} points"
    return ExerciseNotPassed(f"{verdict.exercise_id} scored {score}, not full marks.\n{verdict}",
                             verdict.exercise_id, verdict.score, verdict.points)


def _record(verdict: Verdict) -> None:
    """Keep the verdict in this kernel and, while grading, append it to the grader's results file.

    The file survives a kernel that dies later in the submission, so what was checked still counts.
    """
    _RESULTS[verdict.exercise_id] = verdict
    path = os.environ.get(RESULTS_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(verdict.as_dict(), sort_keys=True) + "\n")


def _looks_like_lab(value: Any) -> bool:
    return callable(getattr(value, "client", None)) and hasattr(value, "teardown")
