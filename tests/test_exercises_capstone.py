"""The capstone's checks: several designs meet the brief, the lab checks compare with what runs, nothing typed
without the work scores, and a value checked only at grading shows no tick and no points in the notebook."""

from __future__ import annotations

import pytest

from labkit.course import exercises as ex
from labkit.course.exercises import Context, check, hidden_check
from labkit.course.exercises import capstone as cap

WHY = ("Ten tasks of one vCPU serve the peak of 400 requests a second within the latency target, with room to "
       "spare. Half run on Spot, which keeps the monthly cost under the budget; if AWS takes every Spot task "
       "back, the five on-demand tasks still serve half the peak until replacements start. Bigger tasks would "
       "cost more for the same load.")
DESIGNS = [  # several designs meet the brief (checked against the brief's numbers below, not typed in)
    {"cpu": 1024, "memory": 2048, "on_demand": 5, "spot": 5},
    {"cpu": 1024, "memory": 2048, "on_demand": 6, "spot": 4},
    {"cpu": 2048, "memory": 4096, "on_demand": 3, "spot": 2},
    {"cpu": 1024, "memory": 3072, "on_demand": 5, "spot": 6},
]
JUDGES = [("serves the peak", cap.judge_capacity), ("within the budget", cap.judge_budget),
          ("survives Spot", cap.judge_interruption), ("the why", cap.judge_why)]
STARTING = dict.fromkeys(cap.DESIGN_KEYS, ...)  # the design cell as the student copy has it


def design(**changes):
    return {**DESIGNS[0], "why": WHY, **changes}


@pytest.fixture
def graded():
    """The hidden checks the instructor's source registers, as at grading; removed afterwards."""
    for name, judge in JUDGES:
        hidden_check("capstone.design", name)(judge)
    hidden_check("capstone.task_definition", "role")(cap.judge_role)
    hidden_check("capstone.cost", "the monthly cost", weight=3)(cap.judge_cost)
    yield
    for eid in ("capstone.design", "capstone.task_definition", "capstone.cost"):
        ex._HIDDEN.pop(eid, None)


# ---- the brief ---------------------------------------------------------------------------------------------

def test_the_brief_states_what_the_checks_use():
    text = cap.brief()
    for word in (str(cap.PEAK_RPS), f"{cap.LATENCY_MS} ms", f"${cap.budget()}", f"{cap.ON_DEMAND_SHARE:.0%}",
                 cap.FAMILY, cap.CLUSTER):
        assert word in text
    assert all(f"{c['cpu']} CPU units" in text for c in cap.CONTAINERS)


def test_the_budget_comes_from_the_prices(monkeypatch):
    from labkit.data import facts

    before = cap.budget()
    rates = facts()["prices"]["fargate"]["us-east-1"]["linux_x86"]
    monkeypatch.setitem(rates, "vcpu_hour", rates["vcpu_hour"] * 2)
    assert cap.budget() > before


def test_all_on_demand_does_not_fit_the_budget_but_a_spot_mix_does():
    for cpu, memory in cap._fitting_sizes():
        tasks = -(-cap.PEAK_RPS // cap.requests_per_task(cpu))
        assert cap.monthly_cost(cpu, memory, int(tasks), 0) > cap.budget()


@pytest.mark.parametrize("chosen", DESIGNS, ids=lambda d: f"{d['cpu']}-{d['on_demand']}+{d['spot']}")
def test_several_designs_meet_the_brief(chosen, graded):
    v = check("capstone.design", {**chosen, "why": WHY})
    assert v.passed and v.score == v.points, str(v)


# ---- capstone.design ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, part, words", [
    ({"on_demand": 4, "spot": 4}, "serves the peak", "the peak is 400"),
    ({"on_demand": 10, "spot": 0}, "within the budget", "the budget is"),
    ({"on_demand": 2, "spot": 8}, "survives Spot", "serve 87.5 requests per second"),
    ({"why": "It is cheap and fast."}, "the why", "has 5 words"),
    ({"why": WHY.replace("Spot", "extra").replace("on-demand", "other")}, "the why",
     "does not weigh the risk of Spot interruptions"),
])
def test_typical_design_mistakes_lose_that_part(changes, part, words, graded):
    v = check("capstone.design", design(**changes))
    failed = [p.name for p in v.parts if not p.passed]
    assert failed[0] == part and words in str(v), str(v)
    assert 0 < v.score < v.points


@pytest.mark.parametrize("changes, words", [
    ({"cpu": 1024, "memory": 1024}, "not a Fargate size"),
    ({"cpu": 512, "memory": 2048}, "cpu 512 < 640"),
])
def test_a_design_that_cannot_run_scores_zero(changes, words, graded):
    v = check("capstone.design", design(**changes))
    assert words in str(v) and v.score == 0


def test_a_cheap_design_that_misses_the_peak_earns_nothing_for_its_price(graded):
    v = check("capstone.design", design(on_demand=3, spot=1))
    assert {p.name for p in v.parts if not p.passed} >= {"serves the peak", "within the budget"}
    assert "does not serve the peak" in str(v)


def test_the_starting_design_scores_zero(graded):
    v = check("capstone.design", STARTING)
    assert v.score == 0 and "still has cpu, memory, on_demand, spot, why to fill in" in str(v)


def test_a_guess_typed_without_working_it_out_scores_little(graded):
    guess = {"cpu": 256, "memory": 512, "on_demand": 1, "spot": 1, "why": "small and cheap"}
    assert check("capstone.design", guess).score == 0


def test_in_the_notebook_the_design_shows_no_tick_and_no_points():
    v = check("capstone.design", design(on_demand=10, spot=0))  # over budget: only grading can say so
    assert v.hidden_pending and v.shape_only and v.score == 0
    assert str(v).startswith("○ Design the service: answer received (a design: size, tasks and why; a size "
                             "Fargate offers; holds both containers); its value is checked at grading")
    assert "✓" not in str(v)


def test_design_hints_get_closer(graded):
    hints = [check("capstone.design", design(on_demand=4, spot=4)).hint for _ in range(2)]
    assert hints[0] != hints[1] and "requests_per_task" in hints[1]


# ---- capstone.cost: the issue's $1.00 ----------------------------------------------------------------------

def test_a_cost_checked_only_for_its_shape_shows_no_tick_and_no_points():
    v = check("capstone.cost", 1.00)
    assert str(v) == ("○ What your service costs a month: answer received (a monthly amount in US dollars); its "
                      "value is checked at grading, and its points are given there.")
    assert "✓" not in str(v) and v.score == 0


@pytest.mark.parametrize("answer, words", [(0, "costs something"), ("lots", "got the text"), (..., "No answer")])
def test_a_cost_of_the_wrong_shape_says_so(answer, words):
    v = check("capstone.cost", answer)
    assert not v.passed and words in str(v) and v.score == 0


# ---- in a mock lab: the task definition, the service, the cost and the teardown ----------------------------

def register(lab, setup, chosen, **changes):
    containers = [{"name": c["name"], "image": "x", "cpu": c["cpu"], "memory": c["memory"], "essential": True,
                   "logConfiguration": {"logDriver": "awslogs", "options": {
                       "awslogs-group": setup.log_group, "awslogs-region": lab.region,
                       "awslogs-stream-prefix": c["name"]}}} for c in cap.CONTAINERS]
    td = {"family": cap.FAMILY, "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
          "cpu": str(chosen["cpu"]), "memory": str(chosen["memory"]), "executionRoleArn": setup.execution_role_arn,
          "containerDefinitions": containers, **changes}
    lab.client("ecs").register_task_definition(**{k: v for k, v in td.items() if v is not None}, tags=lab.tags)


def deploy(lab, setup, chosen, strategy=None):
    ecs = lab.client("ecs")
    ecs.create_cluster(clusterName=cap.CLUSTER, capacityProviders=["FARGATE", "FARGATE_SPOT"], tags=lab.tags)
    strategy = strategy or [{"capacityProvider": "FARGATE", "base": chosen["on_demand"], "weight": 0},
                            {"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    ecs.create_service(cluster=cap.CLUSTER, serviceName=cap.SERVICE, taskDefinition=cap.FAMILY,
                       desiredCount=chosen["on_demand"] + chosen["spot"], capacityProviderStrategy=strategy,
                       networkConfiguration={"awsvpcConfiguration": {
                           "subnets": list(setup.subnets), "securityGroups": list(setup.security_groups),
                           "assignPublicIp": "ENABLED"}}, tags=lab.tags)
    ecs.get_waiter("services_stable").wait(cluster=cap.CLUSTER, services=[cap.SERVICE])


@pytest.fixture
def setup(lab):
    return cap.prepare(lab)


def test_the_task_definition_follows_the_design(lab, setup, graded):
    assert check("capstone.task_definition", design(), lab=lab).score == 0  # nothing registered yet
    register(lab, setup, design())
    v = check("capstone.task_definition", design(), lab=lab)
    assert v.passed and v.score == v.points, str(v)
    other = check("capstone.task_definition", design(cpu=2048, memory=4096), lab=lab)
    assert "your design says 2048 and 4096" in str(other) and 0 < other.score < other.points


def test_a_task_definition_without_its_logs_loses_that_part_with_a_tiered_hint(lab, setup, graded):
    chosen = design()
    register(lab, setup, chosen, executionRoleArn=None, containerDefinitions=[
        {"name": c["name"], "image": "x", "cpu": c["cpu"], "memory": c["memory"]} for c in cap.CONTAINERS])
    verdicts = [check("capstone.task_definition", chosen, lab=lab) for _ in range(2)]
    assert "do not log with awslogs" in str(verdicts[0]) and 0 < verdicts[0].score < verdicts[0].points
    assert "log group" in verdicts[0].hint and "logConfiguration" in verdicts[1].hint


def test_the_service_runs_the_design(lab, setup):
    chosen = design()
    assert check("capstone.service", chosen, lab=lab).score == 0  # untouched: no service
    register(lab, setup, chosen)
    deploy(lab, setup, chosen)
    v = check("capstone.service", chosen, lab=lab)
    assert v.passed and v.score == v.points, str(v)
    ctx = Context(ex.get("capstone.service"), lab)
    assert cap.running_tasks_by_provider(ctx, cap.SERVICE) == {"FARGATE": 5, "FARGATE_SPOT": 5}


def test_a_service_that_puts_the_tasks_elsewhere_loses_that_part(lab, setup):
    chosen = design()
    register(lab, setup, chosen)
    lab.set_quota(on_demand_vcpu=16)  # all ten tasks on demand is past a new account's quota
    deploy(lab, setup, chosen, strategy=[{"capacityProvider": "FARGATE", "weight": 1}])
    v = check("capstone.service", chosen, lab=lab)
    assert "places 10 task(s) on FARGATE and 0 on FARGATE_SPOT" in str(v)
    assert 0 < v.score < v.points
    assert "base is placed first" in v.hint


def test_the_design_checked_against_another_lab_scores_nothing(lab, setup):
    v = check("capstone.service", design(), lab=lab)  # typed design, nothing deployed
    assert v.score == 0 and "No active service" in str(v)


def test_the_cost_is_compared_with_what_runs(lab, setup, graded):
    chosen = design()
    right = cap.monthly_cost(chosen["cpu"], chosen["memory"], chosen["on_demand"], chosen["spot"])
    typed = check("capstone.cost", right, lab=lab)  # the right number, typed before anything runs
    assert typed.score == 0 and "No active service named 'capstone-web'" in str(typed)
    register(lab, setup, chosen)
    deploy(lab, setup, chosen)
    assert check("capstone.cost", right, lab=lab).score == 2
    on_demand = cap.monthly_cost(chosen["cpu"], chosen["memory"], 10, 0)
    wrong = check("capstone.cost", on_demand, lab=lab)
    assert "priced every task on demand" in str(wrong) and "spot=True" in wrong.hint and wrong.score == 0
    hour = check("capstone.cost", right / 730, lab=lab)
    assert "cost of one hour" in str(hour)
    assert check("capstone.cost", 1.00, lab=lab).score == 0


def test_teardown_after_a_deployment(lab, setup):
    chosen = design()
    register(lab, setup, chosen)
    deploy(lab, setup, chosen)
    assert check("capstone.teardown", None, lab=lab).score == 0  # nothing given yet
    v = check("capstone.service", chosen, lab=lab)
    assert v.passed
    before = check("capstone.teardown", "not yet", lab=lab)
    assert "Still there" in str(before) and "lab.teardown()" not in before.hint  # the first tier points the way
    report = lab.teardown()
    assert check("capstone.teardown", report, lab=lab).passed


def test_teardown_without_a_deployment_is_not_full_marks(lab, setup):
    ex._RESULTS.pop("capstone.service", None)
    v = check("capstone.teardown", lab.teardown(), lab=lab)
    assert not v.passed and "No capstone service was checked" in str(v)
