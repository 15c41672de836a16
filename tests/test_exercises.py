"""labkit.course.exercises: the check engine, and every exercise's right answer and typical wrong answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import labkit
from labkit import pricing
from labkit.course import exercises as ex
from labkit.course.exercises import Exercise, Quiz, Wrong, check, hidden_check, register, register_quiz
from labkit.course.exercises import pricing as pe

# ---- the engine -------------------------------------------------------------------------------------------


@pytest.fixture
def toy():
    """A throwaway exercise with a weighted check, a stopping check and a check that crashes."""
    e = register(Exercise("toy.sum", "Add two numbers", points=4, hints=("Add them.",)))

    @e.check("a number", weight=1)
    def _number(answer, ctx):
        ex.number(answer, "a number")

    @e.check("the sum", weight=3)
    def _sum(answer, ctx):
        if ex.number(answer) != 5:
            raise Wrong("Not the sum.", hint="2 + 3")

    yield e
    ex._REGISTRY.pop("toy.sum", None)
    ex._HIDDEN.pop("toy.sum", None)
    ex._RESULTS.pop("toy.sum", None)


def test_check_is_the_public_name():
    assert labkit.check is ex.check
    assert "check" in labkit.__all__


def test_right_answer_passes_with_full_points_and_short_text(toy):
    v = check("toy.sum", 5)
    assert v.passed and v.score == 4 and v.points == 4
    assert str(v) == "✓ Add two numbers: passed (4/4 points)."
    assert "labkit-verdict" in v._repr_html_()


def test_partial_credit_follows_the_weights(toy):
    v = check("toy.sum", 6)
    assert not v.passed and v.score == 1
    assert "✓ a number" in str(v) and "✗ the sum: Not the sum." in str(v)
    assert v.hint == "2 + 3" and str(v).endswith("Hint: 2 + 3")


@pytest.mark.parametrize("answer, words", [
    ("abc", "got the text 'abc'"), (None, "No answer yet"), (..., "No answer yet"), (True, "got bool True"),
    ([1, 2], "got list [1, 2]"), (float("nan"), "got nan"),
])
def test_wrong_types_get_a_friendly_message_not_a_traceback(toy, answer, words):
    v = check("toy.sum", answer)
    assert not v.passed and v.score == 0
    assert words in str(v) and "Traceback" not in str(v)


def test_a_crashing_check_becomes_a_friendly_part(toy):
    @toy.check("crashes")
    def _boom(answer, ctx):
        return {}["missing"]

    v = check("toy.sum", 5)
    assert not v.passed
    assert "could not check your answer (KeyError: 'missing')" in str(v)
    toy.checks.pop()


def test_unknown_id_lists_close_matches():
    v = check("pricing.monthy_bill", 1)
    assert not v.passed
    assert str(v) == "✗ No exercise 'pricing.monthy_bill'.\nDid you mean: pricing.monthly_bill?"
    assert "capstone.design" in str(check("capstone.desing", 1))
    assert "exercise id is text" in str(check(42, 1))


def test_verdicts_are_recorded_for_the_grader(toy, tmp_path, monkeypatch):
    results_file = tmp_path / "results.jsonl"
    monkeypatch.setenv(ex.RESULTS_FILE_ENV, str(results_file))
    check("toy.sum", 6)
    check("toy.sum", 5)
    assert ex.results()["toy.sum"].passed
    lines = [json.loads(x) for x in results_file.read_text().splitlines()]
    assert [line["passed"] for line in lines] == [False, True]
    assert ex.Verdict.from_dict(lines[-1]) == ex.results()["toy.sum"]
    assert json.loads(ex.results_json())["toy.sum"]["score"] == 4


def test_hidden_checks_are_announced_until_registered_then_run(toy):
    toy.hidden = True
    v = check("toy.sum", 5)
    assert v.passed and v.hidden_pending
    assert v.score == 0  # nothing is scored before the hidden checks have run
    assert str(v) == "✓ Add two numbers: the checks here pass; more checks run at grading, where the points are given."
    assert "points)" not in str(v)
    wrong = check("toy.sum", 6)
    assert str(wrong).startswith("✗ Add two numbers: not yet (points are given at grading).")
    assert "/4 points" not in str(wrong) and "(more checks run at grading)" in str(wrong)

    @hidden_check("toy.sum", "an odd answer")
    def _odd(answer, ctx):
        if answer % 2 == 0:
            raise Wrong("Even.")

    v = check("toy.sum", 5)
    assert v.passed and not v.hidden_pending and v.parts[-1].hidden and v.score == 4
    v = check("toy.sum", 6)
    assert v.parts[-1].hidden and not v.parts[-1].passed


@pytest.fixture
def shape_only():
    """A value exercise whose only public check is the answer's shape; its value is judged by a hidden check."""
    e = register(Exercise("toy.value", "A value", points=2, hidden=True))

    @e.check("a number of dollars", required=True)
    def _shape(answer, ctx):
        ex.number(answer, "a number")

    yield e
    for table in (ex._REGISTRY, ex._HIDDEN, ex._RESULTS):
        table.pop("toy.value", None)


def test_a_shape_only_check_shows_no_tick_and_no_points(shape_only):
    v = check("toy.value", 1.0)
    assert v.shape_only and v.hidden_pending and v.score == 0
    assert str(v) == ("○ A value: answer received (a number of dollars); its value is checked at grading, "
                      "and its points are given there.")
    assert "✓" not in str(v) and "points)" not in str(v)
    assert "#57606a" in v._repr_html_()
    assert str(check("toy.value", "lots")).startswith("✗ A value: not yet (points are given at grading).")


def test_a_shape_check_earns_nothing_once_the_value_is_judged(shape_only):
    @hidden_check("toy.value", "the value", weight=3)
    def _value(answer, ctx):
        if answer != 7:
            raise Wrong("Not the value.")

    wrong = check("toy.value", 1.0)
    assert not wrong.passed and wrong.score == 0 and str(wrong).startswith("✗ A value: not yet (0/2 points).")
    right = check("toy.value", 7)
    assert right.passed and right.score == 2 and str(right) == "✓ A value: passed (2/2 points)."


@pytest.fixture
def starting():
    """An exercise whose starting code passes a requirement (the shape) and fails the one check that scores."""
    e = register(Exercise("toy.fix", "Fix it", points=3, hints=("Look at the first word.", "It is a colour.")))

    @e.check("a text", required=True)
    def _text(answer, ctx):
        if not isinstance(answer, str):
            raise Wrong("Expected text.", stop=True)

    @e.check("the colour is fixed")
    def _fixed(answer, ctx):
        if not answer.startswith("blue"):
            raise Wrong("Still the starting colour.")

    @e.check("kept the sky", required=True)
    def _kept(answer, ctx):
        if not answer.endswith("sky"):
            raise Wrong("The sky is gone.", hint=("Keep the second word.", "Keep 'sky' at the end."))

    yield e
    for table in (ex._REGISTRY, ex._HIDDEN, ex._RESULTS):
        table.pop("toy.fix", None)


def test_requirements_earn_nothing_so_the_starting_code_scores_zero(starting):
    start = check("toy.fix", "green sky")
    assert [p.passed for p in start.parts] == [True, False, True]
    assert start.score == 0 and not start.passed
    assert check("toy.fix", "blue sky").score == 3


def test_a_failing_requirement_scores_zero_until_it_passes(starting):
    v = check("toy.fix", "blue sea")
    assert v.parts[1].passed and not v.parts[2].passed
    assert v.score == 0 and "✗ kept the sky: The sky is gone." in str(v)


def test_hints_come_in_tiers_one_more_per_miss_and_start_again_after_a_pass(starting):
    assert check("toy.fix", "green sky").hint == "Look at the first word."
    assert check("toy.fix", "red sky").hint == "It is a colour."
    assert check("toy.fix", "red sky").hint == "It is a colour."  # the last tier stays
    assert check("toy.fix", ...).hint == "It is a colour."  # no answer is not a miss
    assert check("toy.fix", "blue sky").passed
    assert check("toy.fix", "blue sea").hint == "Keep the second word."
    assert check("toy.fix", "blue sea").hint == "Keep 'sky' at the end."


def test_misses_are_counted_per_lab_and_forgotten_by_reset(starting):
    class Lab:
        def __init__(self, ident):
            self.id = ident

    check("toy.fix", "green sky", lab=Lab("a"))
    assert check("toy.fix", "green sky", lab=Lab("a")).hint == "It is a colour."
    assert check("toy.fix", "green sky", lab=Lab("b")).hint == "Look at the first word."
    ex.reset_results()
    assert check("toy.fix", "green sky", lab=Lab("a")).hint == "Look at the first word."


def test_tier_picks_the_closest_hint_it_has():
    assert ex.tier("one", 5) == "one"
    assert ex.tier(("a", "b"), 0) == "a" and ex.tier(("a", "", "b"), 9) == "b"
    assert ex.tier((), 0) == ""


def test_a_stopping_failure_skips_the_checks_after_it(toy):
    v = check("toy.sum", "x")
    assert [p.skipped for p in v.parts] == [False, True]
    assert "not checked" not in str(v)


def test_lab_exercises_ask_for_the_lab():
    v = check("pricing.spot_strategy", "web")
    assert 'lab=lab' in str(v) and not v.passed


def test_import_labkit_does_not_import_topic_modules_or_boto3():
    code = ("import sys, labkit; print(any(m.startswith(('labkit.course.exercises.', 'boto3', 'moto', 'ipywidgets'))"
            " for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_topic_module_registers_only_its_own_ids():
    """`check` finds an exercise's module from its id's prefix, so each id must start with its module's name."""
    import importlib
    import pkgutil

    topics = [m.name for m in pkgutil.iter_modules(ex.__path__) if not m.name.startswith("_")]
    assert {"pricing", "capstone", "start"} <= set(topics)
    for topic in topics:
        importlib.import_module(f"labkit.course.exercises.{topic}")
        own = [eid for eid in ex.all_ids() if eid.split(".")[0] == topic]
        assert own, f"labkit/exercises/{topic}.py registers no exercise"
    for eid in ex.all_ids():
        assert eid.split(".")[0] in topics or eid.startswith("toy."), f"{eid}: no module labkit/exercises/" \
            f"{eid.split('.')[0]}.py, so check() could not find it in a fresh kernel"
        assert ex.get(eid).title


# ---- quizzes (engine side; the widgets are in test_widgets.py) --------------------------------------------

def test_quiz_kinds_grade_like_exercises():
    q = register_quiz(Quiz("toy.quiz", "Toy", question="?", choices={"A": "a", "B": "b"},
                           correct=frozenset({"B"}), wrong_hints={"A": "Not a."}))
    assert q.kind == "single"
    assert check("toy.quiz", "b").passed
    assert check("toy.quiz", "A").hint == "Not a."
    assert "is not one of the choices" in str(check("toy.quiz", "Z"))
    assert "Pick exactly one" in str(check("toy.quiz", ["A", "B"]))
    ex._REGISTRY.pop("toy.quiz")


# ---- pricing exercises ------------------------------------------------------------------------------------

def _bill(**drop):
    web, rep = pe.WEB.monthly(), pe.REPORTS.monthly()
    total = web.total + rep.total
    if drop.get("storage"):
        total -= web.storage
    if drop.get("licence"):
        total -= rep.os_license
    return total * drop.get("hours", 730) / 730


def _short(seconds):
    s = pe.SHORT_TASK
    return pricing.fargate_cost(s["vcpu"], s["memory_gb"], 3600).total * seconds / 3600


def _windows(seconds, licence=True):
    w = pe.WINDOWS_TASK
    c = pricing.fargate_cost(w["vcpu"], w["memory_gb"], 3600, os="WINDOWS")
    return (c.total - (0 if licence else c.os_license)) * seconds / 3600


def _break_even():
    b = pe.BREAK_EVEN
    return pricing.break_even_utilisation(b["vcpu"], b["memory_gb"], b["tasks"], b["instance_type"])


RIGHT = [
    ("pricing.monthly_bill", lambda: _bill()),
    ("pricing.monthly_bill", lambda: f"${_bill():,.2f}"),
    ("pricing.short_task", lambda: pricing.fargate_cost(0.25, 0.5, 20)),
    ("pricing.short_task", lambda: _short(60)),
    ("pricing.windows_task", lambda: _windows(300)),
    ("pricing.break_even", lambda: round(_break_even(), 2)),
    ("pricing.quiz_spot", lambda: "A, B"),
    ("pricing.quiz_hourly", lambda: round(pricing.fargate_cost(1, 2, 3600).total, 4)),
    ("capstone.quiz", lambda: "A"),
]


@pytest.mark.parametrize("eid, answer", RIGHT)
def test_reference_answers_pass(eid, answer):
    v = check(eid, answer())
    assert v.passed, str(v)
    assert v.score == v.points


WRONG = [  # exercise, typical wrong answer, words of the message, words of the hint
    ("pricing.monthly_bill", lambda: _bill(storage=True), "leaves out ephemeral storage",
     "above the free 20 GB"),
    ("pricing.monthly_bill", lambda: _bill(licence=True), "leaves out the Windows OS licence", "OS licence"),
    ("pricing.monthly_bill", lambda: _bill(storage=True, licence=True), "storage and the Windows licence",
     "licence"),
    ("pricing.monthly_bill", lambda: _bill(hours=720), "720-hour month", "730 hours"),
    ("pricing.monthly_bill", lambda: _bill(hours=744), "744-hour month", "730 hours"),
    ("pricing.monthly_bill", lambda: _bill() / 730, "cost of one hour", "730 hours"),
    ("pricing.monthly_bill", lambda: pe.WEB.monthly().total, "the web service alone", "Add both"),
    ("pricing.monthly_bill", lambda: -3, "cannot be negative", ""),
    ("pricing.short_task", lambda: _short(20), "only the 20 seconds", "at least 60 seconds"),
    ("pricing.short_task", lambda: _short(3600), "a whole hour", "60-second minimum"),
    ("pricing.windows_task", lambda: _windows(120), "only the 120 seconds", "at least 300 seconds"),
    ("pricing.windows_task", lambda: _windows(300, licence=False), "leaves out the Windows OS licence",
     "OS licence"),
    ("pricing.windows_task", lambda: pricing.fargate_cost(1, 2, 120).total, "price of a Linux task",
     "os='WINDOWS'"),
    ("pricing.break_even", lambda: _break_even() * 100, "percentage", "0.42 for 42%"),
    ("pricing.break_even", lambda: 1 / _break_even(), "inverse", "EC2's monthly cost"),
    ("pricing.break_even", lambda: 0.1, "below the break-even", "at what share of the month"),
    ("pricing.break_even", lambda: pe._installed_memory_break_even(), "whole memory", "registered_memory_mib"),
    ("pricing.quiz_spot", lambda: ["A", "C"], "1 correct choice(s) missing", "single stateful task"),
    ("pricing.quiz_spot", lambda: "A B D", "should not be picked", "Linux tasks only"),
    ("pricing.quiz_hourly", lambda: 0.5, "Not quite", "vCPU-hour"),
    ("capstone.quiz", lambda: "B", "Not this one", "service scheduler"),
]


@pytest.mark.parametrize("eid, answer, message, hint", WRONG)
def test_typical_wrong_answers_fail_with_the_intended_hint(eid, answer, message, hint):
    v = check(eid, answer())
    assert not v.passed
    assert message in str(v), str(v)
    assert hint in v.hint, v.hint


def test_expected_values_follow_the_price_data(monkeypatch):
    """A price change in labkit.data moves the expected answer: nothing is typed into the exercises."""
    from labkit.data import facts

    old = _bill()
    rates = facts()["prices"]["fargate"]["us-east-1"]["linux_x86"]
    monkeypatch.setitem(rates, "vcpu_hour", rates["vcpu_hour"] * 2)
    assert not check("pricing.monthly_bill", old).passed
    assert check("pricing.monthly_bill", _bill()).passed


# ---- lab-state checks: a fake lab answering the boto3 calls the checks make ------------------------------

class FakeECS:
    def __init__(self, services=(), task_definitions=(), tasks=()):
        self.services = list(services)
        self.tds = {td["family"]: td for td in task_definitions}
        self.tasks = list(tasks)

    def list_clusters(self):
        return {"clusterArns": ["arn:aws:ecs:us-east-1:123456789012:cluster/capstone"]}

    def describe_clusters(self, clusters):
        return {"clusters": [{"clusterArn": clusters[0], "clusterName": "capstone", "status": "ACTIVE"}]}

    def describe_services(self, cluster, services):
        return {"services": [s for s in self.services if s["serviceName"] in services]}

    def list_services(self, cluster):
        return {"serviceArns": [f"arn:aws:ecs:::service/capstone/{s['serviceName']}" for s in self.services]}

    def describe_task_definition(self, taskDefinition):
        return {"taskDefinition": self.tds[taskDefinition.rsplit("/", 1)[-1].split(":")[0]]}

    def list_tasks(self, cluster, serviceName, desiredStatus):
        return {"taskArns": [f"t{i}" for i in range(len(self.tasks))]}

    def describe_tasks(self, cluster, tasks):
        return {"tasks": self.tasks}


class FakeLab:
    id = "fake"

    def __init__(self, ecs):
        self.ecs = ecs

    def client(self, name):
        assert name == "ecs", name
        return self.ecs

    def teardown(self):
        return None


def _service(name="web", count=4, running=None, strategy=None, launch_type=None, td="web"):
    strategy = pe.SPOT_SERVICE["strategy"] if strategy is None else strategy
    svc = {"serviceName": name, "status": "ACTIVE", "desiredCount": count,
           "runningCount": count if running is None else running, "taskDefinition": f"arn:td/{td}:1",
           "capacityProviderStrategy": [{"capacityProvider": p, **s} for p, s in strategy.items()]}
    if launch_type:
        svc.update(launchType=launch_type, capacityProviderStrategy=[])
    return svc


def test_spot_strategy_passes_on_the_asked_strategy_in_steady_state():
    v = check("pricing.spot_strategy", "web", lab=FakeLab(FakeECS([_service()])))
    assert v.passed, str(v)
    response = {"service": {"serviceName": "web"}}  # what ecs.create_service returns
    assert check("pricing.spot_strategy", response, lab=FakeLab(FakeECS([_service()]))).passed


@pytest.mark.parametrize("service, message, hint", [
    (_service(strategy={"FARGATE": {"base": 0, "weight": 1}, "FARGATE_SPOT": {"base": 1, "weight": 3}}),
     "FARGATE has base 0", "put it on FARGATE"),
    (_service(strategy={"FARGATE": {"base": 1, "weight": 1}, "FARGATE_SPOT": {"base": 0, "weight": 1}}),
     "FARGATE_SPOT has weight 1", "three of every four"),
    (_service(strategy={"FARGATE": {"base": 1, "weight": 1}}), "missing FARGATE_SPOT", "two Fargate"),
    (_service(launch_type="FARGATE"), "launchType FARGATE instead", "AWS refuses both"),
    (_service(running=2), "2 of 4 tasks are running", "services_stable"),
    ({**_service(running=0), "deployments": [{"status": "PRIMARY", "failedTasks": 3}]},
     "3 task(s) failed to start", "stoppedReason"),
    (_service(count=2), "wants 2 task(s)", "desiredCount"),
])
def test_spot_strategy_mistakes(service, message, hint):
    v = check("pricing.spot_strategy", "web", lab=FakeLab(FakeECS([service])))
    assert not v.passed and message in str(v), str(v)
    assert hint in v.hint


def test_a_missing_service_names_what_the_lab_has():
    v = check("pricing.spot_strategy", "api", lab=FakeLab(FakeECS([_service()])))
    assert "No active service named 'api'" in str(v) and "your lab has: web" in str(v)
    assert v.score == 0


def test_a_broken_topic_module_gives_a_verdict_not_a_traceback(monkeypatch):
    monkeypatch.setitem(ex._LOAD_ERRORS, "broken", "SyntaxError: invalid syntax")
    monkeypatch.setattr(ex, "_TOPICS_LOADED", ex._TOPICS_LOADED | {"broken"})
    v = check("broken.thing", 1)
    assert "could not be loaded (SyntaxError" in str(v) and "bug in the course" in str(v)


@pytest.mark.parametrize("eid", ["pricing.quiz_spot", "capstone.quiz"])
def test_spot_quiz_explanations_teach_sigkill_after_stop_timeout(eid, monkeypatch):
    """A Spot task has stopTimeout after SIGTERM, not the whole warning; the number comes from the data."""
    from labkit.course.exercises import quiz_spec
    from labkit.data import facts

    q = quiz_spec(eid)
    text = q.text(q.explanation)
    assert "SIGTERM" in text and "SIGKILL" in text and "stopTimeout (30 s unless set, at most 120 s)" in text
    monkeypatch.setitem(facts()["runtime"]["stop_timeout"], "default_s", 45)
    assert "stopTimeout (45 s unless set" in q.text(q.explanation)
