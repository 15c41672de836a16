"""Lesson 1's exercises: the right answers pass, typical wrong ones fail with the hint that teaches the rule."""

from __future__ import annotations

import pytest

import labkit
import labkit.fargate
from labkit.course.exercises import recap
from labkit.course.exercises.recap import AWS, NOT_NEEDED, YOU


def _verdict_text(exercise_id: str, answer=None, **kwargs) -> str:
    return str(labkit.check(exercise_id, answer, **kwargs))


# ---------------------------------------------------------------- the responsibility table


def test_owners_read_from_the_first_word_of_each_cell():
    owners = {r.area: (r.ec2_owner, r.fargate_owner) for r in recap.responsibilities()}
    assert owners["Host OS patching/hardening"] == (YOU, AWS)
    assert owners["Bin packing / cluster packing"] == (YOU, NOT_NEEDED)
    assert owners["ECS control plane"] == (AWS, AWS)
    assert owners["Application, image, IAM, network config, data, logging/monitoring"] == (YOU, YOU)
    assert owners["SSH/host access, custom AMI"] == (None, None)


def test_the_jobs_the_seed_names_all_stop_being_yours_in_the_situations():
    """The seed: with EC2 you are 'responsible for provisioning, patching, scaling, and managing cluster capacity'."""
    gone = {recap.SITUATIONS[k][1].lower() for k, who in recap.on_fargate().items() if who != YOU}
    for job in ("provision", "patching", "scale", "packing"):
        assert any(job in area for area in gone), job


def test_table_text_is_stable_and_names_its_date():
    text = str(recap.responsibilities())
    assert text == str(recap.responsibilities())
    assert "sources dated" in text and "arn:" not in text
    assert "<table>" in recap.responsibilities()._repr_html_()


# ---------------------------------------------------------------- recap.no_longer_yours


def classified(**changes):
    """The right answer, from the data's owners and the reason that goes with each, with `changes` applied."""
    who = {YOU: "you", AWS: "AWS", NOT_NEEDED: "nobody"}
    answer = {k: (who[owner], recap.RIGHT_REASON[owner]) for k, owner in recap.on_fargate().items()}
    answer.update(changes)
    return answer


STARTING = {key: (..., ...) for key in recap.SITUATIONS}  # what the lesson's answer cell starts with


def test_right_classification_passes_in_the_table_words_too():
    assert labkit.check("recap.no_longer_yours", classified()).passed
    words = classified(packing=("not needed", "own-compute"), **{"image-cve": ("YOU", "your-app")})
    assert labkit.check("recap.no_longer_yours", words).passed


def test_the_owners_follow_the_data():
    truth = recap.on_fargate()
    assert truth["kernel-fix"] == AWS and truth["packing"] == NOT_NEEDED and truth["s3-access"] == YOU


def test_the_untouched_starting_code_scores_zero():
    verdict = labkit.check("recap.no_longer_yours", STARTING)
    assert verdict.score == 0 and "still to fill in" in str(verdict)


@pytest.mark.parametrize("typed", [
    {k: ("AWS", "hosts") for k in recap.SITUATIONS},          # "Fargate does everything"
    {k: ("nobody", "no-updates") for k in recap.SITUATIONS},
    {k: ("you", "your-app") for k in recap.SITUATIONS},
])
def test_one_answer_for_everything_scores_zero(typed):
    assert labkit.check("recap.no_longer_yours", typed).score == 0


@pytest.mark.parametrize("changes, part, hint", [
    ({"packing": ("AWS", "own-compute")}, "who does it on Fargate", "stops existing"),
    ({"image-cve": ("AWS", "your-app")}, "who does it on Fargate", "not what runs on them"),
    ({"kernel-fix": ("nobody", "hosts")}, "who does it on Fargate", "somebody does it"),
    ({"kernel-fix": ("you", "hosts")}, "who does it on Fargate", "no instance of yours"),
    ({"kernel-fix": ("AWS", "no-updates")}, "why", "updated all the time"),
    ({"sale-peak": ("AWS", "ecs-does-it")}, "why", "does not look after your instances"),
    ({"s3-access": ("you", "hosts")}, "why", "match it to who does it"),
])
def test_typical_mistakes_get_a_hint_that_points_the_way(changes, part, hint):
    verdict = labkit.check("recap.no_longer_yours", classified(**changes))
    failed = [p.name for p in verdict.parts if not p.passed]
    assert failed == [part] and verdict.score == verdict.points / 2
    assert hint in verdict.hint


def test_the_second_miss_gets_closer():
    wrong = classified(packing=("AWS", "own-compute"))
    first, second = (labkit.check("recap.no_longer_yours", wrong).hint for _ in range(2))
    assert first != second and "each has its own" in second


@pytest.mark.parametrize("answer, expected", [
    (..., "No answer yet"),
    (["kernel-fix"], "Expected a dict"),
    ({"kernel-fix": ("AWS", "hosts")}, "missing agent-update"),
    (classified(**{"kernel-fix": ("the cloud", "hosts")}), "say \"you\", \"AWS\" or \"nobody\""),
    (classified(**{"kernel-fix": ("AWS", "magic")}), "not one of the reasons"),
])
def test_wrong_shapes_say_what_was_expected(answer, expected):
    text = _verdict_text("recap.no_longer_yours", answer)
    assert expected in text and labkit.check("recap.no_longer_yours", answer).score == 0


# ---------------------------------------------------------------- recap.ec2_capacity


def plan(ec2=None, fargate=None):
    right_ec2 = recap.ec2_plan()
    return {"EC2": {"instances": right_ec2.instances, "idle_vcpu": right_ec2.idle_vcpu,
                    "idle_memory_gb": right_ec2.idle_memory_gb, **(ec2 or {})},
            "Fargate": {"instances": 0, "idle_vcpu": 0, "idle_memory_gb": 0, **(fargate or {})}}


def test_the_ec2_plan_packs_whole_tasks_from_the_instance_data():
    import labkit.pricing

    spec = labkit.pricing.ec2_cost(recap.INSTANCE_TYPE, 1)
    t = recap.REPORT_TASKS
    per = min(spec.vcpu // t["vcpu"], spec.memory_gib // t["memory_gb"])
    right = recap.ec2_plan()
    assert right.instances == -(-t["tasks"] // per) == 3  # memory runs out first: two tasks per instance
    assert right.idle_vcpu == right.instances * spec.vcpu - t["tasks"] * t["vcpu"]


def test_the_right_plan_passes():
    verdict = labkit.check("recap.ec2_capacity", plan())
    assert verdict.passed and verdict.score == verdict.points


def test_the_untouched_starting_code_scores_zero_on_capacity():
    starting = {p: {k: ... for k in recap.PLAN_KEYS} for p in recap.PLATFORMS}
    verdict = labkit.check("recap.ec2_capacity", starting)
    assert verdict.score == 0 and "still to fill in" in str(verdict)


@pytest.mark.parametrize("ec2, message, hint", [
    ({"instances": 2}, "total vCPU and memory", "split between two instances"),
    ({"instances": 5}, "One instance per task", "how many of these fit on one"),
    ({"instances": 1}, "too few", "count how many fit on one"),
    ({"instances": 4}, "more than the tasks need", "by vCPU and by memory"),
    ({"idle_vcpu": 0, "idle_memory_gb": 0}, "beyond what the tasks ask for", "whole instances"),
    ({"idle_vcpu": -1}, "cannot be negative", "minus what the tasks ask for"),
])
def test_typical_ec2_mistakes(ec2, message, hint):
    verdict = labkit.check("recap.ec2_capacity", plan(ec2=ec2))
    assert not verdict.passed and message in str(verdict) and hint in verdict.hint
    assert 0 < verdict.score < verdict.points


@pytest.mark.parametrize("fargate, message", [
    ({"instances": 5}, "you launch no instances"),
    ({"idle_vcpu": 0.5}, "no room around your tasks"),
])
def test_fargate_has_no_instances_and_nothing_idle(fargate, message):
    verdict = labkit.check("recap.ec2_capacity", plan(fargate=fargate))
    assert message in str(verdict) and verdict.score == verdict.points * 2 / 3


def test_a_guess_typed_without_the_work_scores_little():
    guess = {"EC2": {"instances": 2, "idle_vcpu": 1.5, "idle_memory_gb": 1}, "Fargate": {"instances": 5,
             "idle_vcpu": 0, "idle_memory_gb": 0}}
    assert labkit.check("recap.ec2_capacity", guess).score == 0


def test_the_instance_hint_gets_closer_without_giving_the_count():
    hints = [labkit.check("recap.ec2_capacity", plan(ec2={"instances": 2})).hint for _ in range(3)]
    assert hints[0] != hints[1] and "tasks_per_instance" in hints[1]
    assert all(" 3 " not in h and "three" not in h for h in hints)


# ---------------------------------------------------------------- quizzes


@pytest.mark.parametrize("exercise_id, right, wrong, hint", [
    ("recap.service_replaces", "B", "A", "nothing watches it"),
    ("recap.service_replaces", "B", "C", "do not launch instances"),
    ("recap.same_idea", ["A", "B", "D"], ["A", "B", "C", "D"], "A node is a machine"),
])
def test_quizzes(exercise_id, right, wrong, hint):
    assert labkit.check(exercise_id, right).passed
    verdict = labkit.check(exercise_id, wrong)
    assert not verdict.passed and hint in verdict.hint


# ---------------------------------------------------------------- the lesson itself, answered


def run_with_answers(notebook: str, answers: dict) -> dict:
    """Run a lesson in a fresh kernel with its answer cells edited by `answers` (cell id -> edit); the verdicts."""
    import json
    import os
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    path = Path(__file__).resolve().parents[1] / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    cells = {c.id: c for c in nb.cells}
    for cell_id, edit in answers.items():
        edited = edit(cells[cell_id].source)
        assert edited != cells[cell_id].source, f"the answer for {cell_id} no longer applies to the lesson"
        cells[cell_id].source = edited
    nb.cells.append(nbformat.v4.new_code_cell(
        "from labkit.course.exercises import results_json\nprint(results_json())"))
    env = {**os.environ, "LABKIT_MODE": "mock", "PYTHONPATH": str(path.parents[1])}
    old = os.environ.copy()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return json.loads(nb.cells[-1].outputs[0]["text"])


LESSON_01_ANSWERS = {
    "quiz-service": lambda s: 'labkit.widgets.quiz("recap.service_replaces", "B")',
    "quiz-same-idea": lambda s: 'labkit.widgets.quiz("recap.same_idea", ["A", "B", "D"])',
    "exercise-capacity": lambda s: (
        'per = labkit.pricing.tasks_per_instance("m5.large", 0.5, 3)\n'
        'spec = labkit.pricing.ec2_cost("m5.large", 1)\n'
        'n = -(-5 // per)\n'
        'plan = {"EC2": {"instances": n, "idle_vcpu": n * spec.vcpu - 5 * 0.5,\n'
        '                "idle_memory_gb": n * spec.memory_gib - 5 * 3},\n'
        '        "Fargate": {"instances": 0, "idle_vcpu": 0, "idle_memory_gb": 0}}'),
    "exercise-moved": lambda s: (s.replace('"kernel-fix":   (..., ...)', '"kernel-fix":   ("AWS", "hosts")')
                                  .replace('"agent-update": (..., ...)', '"agent-update": ("AWS", "hosts")')
                                  .replace('"sale-peak":    (..., ...)', '"sale-peak":    ("AWS", "hosts")')
                                  .replace('"machine-type": (..., ...)', '"machine-type": ("AWS", "hosts")')
                                  .replace('"packing":      (..., ...)', '"packing":      ("nobody", "own-compute")')
                                  .replace('"image-cve":    (..., ...)', '"image-cve":    ("you", "your-app")')
                                  .replace('"s3-access":    (..., ...)', '"s3-access":    ("you", "your-app")')),
}


@pytest.mark.slow
def test_lesson_01_answered_passes_every_exercise():
    verdicts = run_with_answers("01_recap_orchestration.ipynb", LESSON_01_ANSWERS)
    assert sorted(verdicts) == ["recap.ec2_capacity", "recap.no_longer_yours", "recap.same_idea",
                                "recap.service_replaces"]
    assert all(v["passed"] for v in verdicts.values()), {k: v["parts"] for k, v in verdicts.items()}
