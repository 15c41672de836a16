"""Lesson 8's exercises (labkit.course.exercises.production), checked on a lab set up as the lesson sets it up:
right answers pass, typical wrong ones say why, the untouched starting code scores 0, and an answer typed into
the check without changing the lab earns nothing. Also the lesson's helpers."""

from __future__ import annotations

import json

import pytest

import labkit
import labkit.deploy
from labkit.course.exercises import production, reset_hints
from labkit.errors import InvalidInput

GOOD_HEALTH = {"HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2,
               "UnhealthyThresholdCount": 2}


@pytest.fixture
def prod():
    """The lesson up to its first check: the app, a slow target group, an ALB, a service of 2 tasks, healthy."""
    reset_hints()
    with labkit.connect("mock") as lab:
        network = labkit.deploy.ensure_network(lab, ports=(80, 8080))
        roles = labkit.deploy.ensure_roles(lab)
        labkit.deploy.ensure_cluster(lab, production.CLUSTER)
        image = production.push_web_app(lab)
        tg = production.target_group(lab, network, dict(production.SLOW_HEALTH_CHECK))
        dns = production.load_balancer(lab, network, tg)
        revision = production.register_web(lab, image, roles)
        ecs = lab.client("ecs")
        ecs.create_service(cluster="prod", serviceName="web", taskDefinition=revision, desiredCount=2,
                           launchType="FARGATE", networkConfiguration=network.awsvpc(),
                           loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        ecs.get_waiter("services_stable").wait(cluster="prod", services=["web"])
        yield {"lab": lab, "network": network, "roles": roles, "image": image, "tg": tg, "dns": dns}


def _healthy(prod, settings):
    production.target_group(prod["lab"], prod["network"], settings)
    step = settings["HealthCheckIntervalSeconds"]
    return production.watch_targets(prod["lab"], prod["tg"], seconds=step * (settings["HealthyThresholdCount"] + 1),
                                    step=step)


# ---------------------------------------------------------------- the health check
def test_the_starting_health_check_scores_0_even_with_healthy_targets(prod):
    assert _healthy(prod, dict(production.SLOW_HEALTH_CHECK)).endswith("2 healthy")
    verdict = labkit.check("production.health_check", lab=prod["lab"])
    assert not verdict.passed and verdict.score == 0
    assert "3000 s (300 s x 10 checks)" in str(verdict)


def test_a_health_check_that_notices_in_time_passes(prod):
    assert _healthy(prod, GOOD_HEALTH).splitlines()[-1].endswith("2 healthy")
    assert labkit.check("production.health_check", lab=prod["lab"]).passed


def test_the_right_path_checked_too_seldom_is_named(prod):
    _healthy(prod, {**GOOD_HEALTH, "HealthCheckIntervalSeconds": 30, "UnhealthyThresholdCount": 3})
    verdict = labkit.check("production.health_check", lab=prod["lab"])
    assert not verdict.passed and 0 < verdict.score < 3
    assert "90 s (30 s x 3 checks)" in str(verdict)
    assert "✓ it asks the app's health endpoint" in str(verdict)


def test_good_settings_whose_targets_are_not_yet_healthy_score_0(prod):
    lab = prod["lab"]
    lab.client("ecs").update_service(cluster="prod", service="web", desiredCount=4)
    production.target_group(lab, prod["network"], GOOD_HEALTH)
    lab.client("ecs").get_waiter("services_stable").wait(cluster="prod", services=["web"])
    verdict = labkit.check("production.health_check", lab=lab)
    assert verdict.score == 0 and "initial" in str(verdict)


def test_the_health_check_typed_into_the_check_earns_nothing(prod):
    verdict = labkit.check("production.health_check", GOOD_HEALTH, lab=prod["lab"])
    assert verdict.score == 0


def test_without_a_lab_the_check_asks_for_it():
    verdict = labkit.check("production.health_check")
    assert verdict.score == 0 and "lab=lab" in str(verdict)


# ---------------------------------------------------------------- the secret
def _secret(prod):
    sm = prod["lab"].client("secretsmanager")
    return sm.create_secret(Name="prod/db", SecretString=json.dumps({"password": "pw"}))["ARN"]


def _deploy(prod, statement, **container):
    production.allow_execution_role(prod["lab"], prod["roles"], statement)
    revision = production.register_web(prod["lab"], prod["image"], prod["roles"], **container)
    return production.roll_out(prod["lab"], revision)


def test_the_starting_secret_code_scores_0(prod):
    _secret(prod)
    _deploy(prod, {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"},
            environment=[{"name": "DB_PASSWORD", "value": "pw"}])
    verdict = labkit.check("production.secret", lab=prod["lab"])
    assert verdict.score == 0 and "in `environment`" in str(verdict)


def test_a_secret_read_through_the_execution_role_passes(prod):
    arn = _secret(prod)
    shown = _deploy(prod, {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn},
                    secrets=[{"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"}])
    assert shown.endswith("web:2    PRIMARY  COMPLETED    running 2, failed 0")
    assert labkit.check("production.secret", lab=prod["lab"]).passed


def test_a_secret_the_role_may_not_read_is_rolled_back_and_named(prod):
    arn = _secret(prod)
    shown = _deploy(prod, {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"},
                    secrets=[{"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"}])
    assert "circuit breaker" in shown and shown.endswith("web:1    PRIMARY  COMPLETED    running 2, failed 0")
    verdict = labkit.check("production.secret", lab=prod["lab"])
    assert verdict.score == 0
    assert "not allowed secretsmanager:GetSecretValue" in str(verdict)
    assert "✓ DB_PASSWORD comes from the secret" in str(verdict)


def test_a_secret_typed_into_the_check_earns_nothing(prod):
    arn = _secret(prod)
    assert labkit.check("production.secret", lab=prod["lab"]).score == 0  # no DB_PASSWORD anywhere yet
    _deploy(prod, {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"},
            environment=[{"name": "DB_PASSWORD", "value": "pw"}])
    answer = {"secrets": [{"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"}]}
    assert labkit.check("production.secret", answer, lab=prod["lab"]).score == 0


# ---------------------------------------------------------------- scaling within the quota
def test_the_starting_scaling_scores_0_and_a_fitting_one_passes(prod):
    lab = prod["lab"]
    production.autoscale(lab, min_tasks=1, max_tasks=50, target_cpu=90)
    verdict = labkit.check("production.scaling", lab=lab)
    assert verdict.score == 0
    fits = production.quota_tasks(0.25)
    assert fits == 24
    production.autoscale(lab, min_tasks=2, max_tasks=fits, target_cpu=60)
    assert labkit.check("production.scaling", lab=lab).passed


@pytest.mark.parametrize("settings, says", [
    ((2, 30, 60), "The maximum is 30 tasks"),
    ((2, 8, 90), "The target is 90% CPU"),
    ((1, 8, 60), "The minimum is 1"),
])
def test_typical_scaling_mistakes_are_named(prod, settings, says):
    production.autoscale(prod["lab"], *settings)
    verdict = labkit.check("production.scaling", lab=prod["lab"])
    assert not verdict.passed and 0 < verdict.score < 3 and says in str(verdict)


def test_scaling_typed_into_the_check_without_a_policy_earns_nothing(prod):
    verdict = labkit.check("production.scaling", {"min": 2, "max": 24, "target": 60}, lab=prod["lab"])
    assert verdict.score == 0 and "no scalable target" in str(verdict)


def test_quota_tasks_refuses_a_size_that_is_no_size():
    with pytest.raises(InvalidInput, match="task_vcpu"):
        production.quota_tasks(0)


# ---------------------------------------------------------------- the lesson's helpers
def test_requests_go_round_robin_to_the_healthy_tasks(prod):
    _healthy(prod, GOOD_HEALTH)
    url = prod["lab"].endpoint(prod["dns"])
    assert production.round_robin(url, 4).splitlines() == [
        "request 1: answered by task A", "request 2: answered by task B",
        "request 3: answered by task A", "request 4: answered by task B"]


def test_a_broken_revision_is_rolled_back_and_the_text_shows_no_ids(prod):
    _healthy(prod, GOOD_HEALTH)
    lab = prod["lab"]
    broken = production.register_web(lab, prod["image"], prod["roles"], broken=True)
    shown = production.roll_out(lab, broken)
    assert "rolling back to deployment ecs-svc/<id>" in shown
    assert shown.splitlines()[-1].startswith("web:1    PRIMARY  COMPLETED    running 2")
    said = production.events(lab.client("ecs"), count=4, containing="deployment")
    assert said.splitlines()[-1].endswith("deployment failed: tasks failed to start.")
    assert "arn:" not in shown + said and lab.account_id not in shown + said
