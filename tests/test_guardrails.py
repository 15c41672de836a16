"""Real mode's guardrails: what refuses a connect, what each costly call is priced at, where the budget stops it,
and what the ledger counts. Real-mode labs here talk to moto in this process (fake credentials, an account of
their own, whose simulated clock their waiters use); tests/test_real_mode.py runs the same path against a local
server in another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import labkit
from labkit.errors import GuardrailError
from labkit.lab import guardrails
from labkit.pricing import fargate_cost, regions

# The account "real" labs work in here: one the mock hands out at run time (moto serves any account named in
# its x-moto-account-id header), set by the in_process_aws fixture.
ACCOUNT = ""


@pytest.fixture
def no_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a fresh kernel: no in-process mock (another test may have started one in this process)."""
    monkeypatch.setattr(guardrails.connect, "mock_running", lambda lab: False)


@pytest.fixture
def credentials(no_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def in_process_aws(credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in this process standing in for AWS (real mode refuses that outside tests: see the test of it),
    with every real-mode request sent to an account no mock lab uses."""
    from labkit import mock
    from labkit.lab.session import ACCOUNT_HEADER, Lab

    global ACCOUNT
    mock.start()
    ACCOUNT = mock.allocate_account()
    monkeypatch.setattr(guardrails.connect, "mock_running", lambda lab: False)  # as no_mock
    real_make = Lab._make_client

    def make(self: Lab, service_name: str) -> Any:
        client = real_make(self, service_name)
        if self.mode == "real":
            client.meta.events.register("before-sign", lambda request, **_: request.headers.__setitem__(
                ACCOUNT_HEADER, ACCOUNT))
            client._labkit_clock = mock.clock(ACCOUNT)  # waiters wait in that account's simulated time
        return client

    Lab._make_client = make  # type: ignore[method-assign]
    try:
        yield
    finally:
        Lab._make_client = real_make  # type: ignore[method-assign]
        mock.wipe_account(ACCOUNT)
        mock.release_account(ACCOUNT)


def real_lab(budget: float = 1.0, lab_id: str = "g1", region: str = "us-east-1") -> Any:
    lab = labkit.connect("real", budget_usd=budget, lab_id=lab_id, region=region)
    lab.on_notice = lambda text: None
    return lab


def task_definition(lab: Any, cpu: str = "256", memory: str = "512", **extra: Any) -> str:
    ecs = lab.client("ecs")
    ecs.create_cluster(clusterName="c")
    arn = ecs.register_task_definition(
        family="web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu=cpu, memory=memory,
        containerDefinitions=[{"name": "web", "image": "nginx", "essential": True, "memory": int(memory)}],
        **extra)["taskDefinition"]["taskDefinitionArn"]
    return arn


def network(lab: Any) -> dict[str, Any]:
    ec2 = lab.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]
    return {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group["GroupId"]]}}


def hourly(tasks: int, vcpu: float = 0.25, gb: float = 0.5) -> float:
    return fargate_cost(vcpu, gb, 3600, tasks=tasks).total


# --- connect ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("account", "shown"), [("123456789012", "********9012"), ("42", "42"), ("", "")])
def test_the_account_is_masked_to_its_last_four_digits(account: str, shown: str) -> None:
    assert guardrails.masked_account(account) == shown


def test_no_credentials_refuses_with_what_to_do(no_aws: None, no_mock: None) -> None:
    with pytest.raises(GuardrailError, match=r"no(ne)? .*found.*aws configure"):
        labkit.connect("real", budget_usd=5)


def test_no_budget_refuses_with_what_to_do(credentials: None) -> None:
    with pytest.raises(GuardrailError, match=r"budget_usd=5"):
        labkit.connect("real")


def test_a_region_without_prices_is_refused_naming_the_priced_ones(credentials: None, no_mock: None) -> None:
    assert "af-south-1" not in regions()
    with pytest.raises(GuardrailError) as err:
        labkit.connect("real", budget_usd=5, region="af-south-1")
    assert "af-south-1" in str(err.value) and ", ".join(regions()) in str(err.value)


def test_real_mode_refuses_a_kernel_where_mock_mode_runs(credentials: None) -> None:
    from labkit import mock

    mock.start()  # as a mock lab in the same kernel would
    with pytest.raises(GuardrailError, match="this kernel runs mock mode: moto answers every AWS call"):
        labkit.connect("real", budget_usd=5)


def test_a_real_lab_stops_calling_once_mock_mode_starts(in_process_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = real_lab()
    monkeypatch.setattr(guardrails.connect, "mock_running", lambda lab: True)  # a mock lab started after it
    with pytest.raises(GuardrailError, match=r"refused ListClusters: this kernel runs mock mode"):
        lab.client("ecs").list_clusters()


def test_connect_shows_the_masked_account_and_region_first(in_process_aws: None) -> None:
    lab = real_lab(lab_id="shown")
    first = lab.notices[0]
    assert f"account ********{ACCOUNT[-4:]}, region us-east-1, lab shown, budget $1.00" in first
    assert ACCOUNT not in first


def test_notices_go_to_stderr_outside_a_notebook(in_process_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    labkit.connect("real", budget_usd=1, lab_id="says")
    out, err = capsys.readouterr()
    assert out == "" and f"account ********{ACCOUNT[-4:]}" in err


def test_mock_labs_have_no_guardrails(lab: Any) -> None:
    td = task_definition(lab)
    lab.client("ecs").create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=3,
                                     launchType="FARGATE", networkConfiguration=network(lab))
    assert lab.notices == []  # nothing priced, no budget asked for
    with pytest.raises(KeyError):
        guardrails.spend._ledgers[lab]


# --- pricing before each call that starts tasks -----------------------------------------------------------------
def test_create_service_is_priced_before_it_is_sent(in_process_aws: None) -> None:
    lab = real_lab()
    td = task_definition(lab)
    lab.client("ecs").create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=3,
                                     launchType="FARGATE", networkConfiguration=network(lab))
    note = lab.notices[-1]
    assert note.startswith("CreateService (service c/web): 3 task(s) of 0.25 vCPU / 0.5 GB (on-demand)")
    assert f"about ${hourly(3):.4f}/hour" in note
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(3))


def test_run_task_counts_each_task_until_it_stops(in_process_aws: None) -> None:
    lab = real_lab()
    td = task_definition(lab, cpu="1024", memory="2048")
    ecs = lab.client("ecs")
    tasks = ecs.run_task(cluster="c", taskDefinition=td, count=2, launchType="FARGATE",
                         networkConfiguration=network(lab))["tasks"]
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(2, 1, 2))
    ecs.stop_task(cluster="c", task=tasks[0]["taskArn"])
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(1, 1, 2))
    assert guardrails.ledger(lab).spent(lab.clock.now()) >= fargate_cost(1, 2, 0, tasks=2).total  # minimums


def test_the_budget_refuses_a_call_and_aws_never_sees_it(in_process_aws: None) -> None:
    lab = real_lab(budget=0.2)
    td = task_definition(lab, cpu="4096", memory="8192")
    with pytest.raises(GuardrailError) as err:
        lab.client("ecs").create_service(cluster="c", serviceName="big", taskDefinition=td, desiredCount=4,
                                         launchType="FARGATE", networkConfiguration=network(lab))
    text = str(err.value)
    assert text.startswith("refused CreateService (service c/big): 4 task(s) of 4 vCPU / 8 GB")
    assert "above its budget of $0.20" in text and "larger budget_usd" in text
    assert lab.notices[-1] == text
    assert lab.client("ecs").list_services(cluster="c")["serviceArns"] == []
    assert guardrails.ledger(lab).running() == {}


def test_scaling_up_is_priced_scaling_down_is_quiet(in_process_aws: None) -> None:
    lab = real_lab(budget=0.5)
    td = task_definition(lab)
    ecs = lab.client("ecs")
    ecs.create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=2, launchType="FARGATE",
                       networkConfiguration=network(lab))
    ecs.update_service(cluster="c", service="web", desiredCount=5)
    assert lab.notices[-1].startswith("UpdateService (service c/web): 5 task(s)")
    said = len(lab.notices)
    ecs.update_service(cluster="c", service="web", desiredCount=1)
    assert len(lab.notices) == said
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(1))
    with pytest.raises(GuardrailError, match="refused UpdateService"):
        ecs.update_service(cluster="c", service="web", desiredCount=100)
    assert ecs.describe_services(cluster="c", services=["web"])["services"][0]["desiredCount"] == 1


def test_a_new_revision_is_priced_at_its_own_size(in_process_aws: None) -> None:
    lab = real_lab(budget=5)
    td = task_definition(lab)
    ecs = lab.client("ecs")
    ecs.create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=2, launchType="FARGATE",
                       networkConfiguration=network(lab))
    bigger = task_definition(lab, cpu="1024", memory="2048")
    ecs.update_service(cluster="c", service="web", taskDefinition=bigger)
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(2, 1, 2))


def test_auto_scaling_is_priced_at_its_maximum(in_process_aws: None) -> None:
    lab = real_lab(budget=0.5)
    td = task_definition(lab)
    lab.client("ecs").create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=1,
                                     launchType="FARGATE", networkConfiguration=network(lab))
    scaling = lab.client("application-autoscaling")
    target = {"ServiceNamespace": "ecs", "ResourceId": "service/c/web",
              "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1}
    with pytest.raises(GuardrailError, match=r"refused RegisterScalableTarget \(auto scaling up to 100 task"):
        scaling.register_scalable_target(**target, MaxCapacity=100)
    scaling.register_scalable_target(**target, MaxCapacity=4)
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(4))


def test_spot_tasks_count_at_the_on_demand_rate(in_process_aws: None) -> None:
    lab = real_lab(budget=5)
    td = task_definition(lab)
    ecs = lab.client("ecs")
    ecs.put_cluster_capacity_providers(cluster="c", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[])
    ecs.create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=5,
                       capacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                                                 {"capacityProvider": "FARGATE_SPOT", "weight": 3}],
                       networkConfiguration=network(lab))
    assert "5 task(s) of 0.25 vCPU / 0.5 GB (3 on Fargate Spot, counted at the on-demand rate)" in lab.notices[-1]
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly(5))


@pytest.mark.parametrize(("call", "kwargs", "words"), [
    ("eks", {"name": "k", "roleArn": "arn:aws:iam::123456789012:role/r", "resourcesVpcConfig": {}}, "EKS cluster"),
    ("ec2", {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1}, "EC2 instances"),
])
def test_what_labkit_cannot_price_is_refused(in_process_aws: None, call: str, kwargs: dict[str, Any],
                                             words: str) -> None:
    lab = real_lab()
    method = {"eks": "create_cluster", "ec2": "run_instances"}[call]
    with pytest.raises(GuardrailError, match=words):
        getattr(lab.client(call), method)(**kwargs)
    if call == "eks":
        assert lab.client("eks").list_clusters()["clusters"] == []
    else:
        assert lab.client("ec2").describe_instances()["Reservations"] == []


def test_a_reconnected_lab_counts_what_it_already_runs(in_process_aws: None) -> None:
    first = real_lab(budget=1, lab_id="again")
    td = task_definition(first)
    first.client("ecs").create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=3,
                                       launchType="FARGATE", networkConfiguration=network(first))
    other = real_lab(budget=1, lab_id="stranger")
    assert guardrails.ledger(other).running() == {}
    again = real_lab(budget=1, lab_id="again")
    assert "already runs 1 service" in again.notices[1]
    assert guardrails.ledger(again).hourly() == pytest.approx(hourly(3))


def test_teardown_empties_the_ledger(in_process_aws: None) -> None:
    lab = real_lab()
    td = task_definition(lab)
    ecs = lab.client("ecs")
    ecs.create_service(cluster="c", serviceName="web", taskDefinition=td, desiredCount=2, launchType="FARGATE",
                       networkConfiguration=network(lab))
    ecs.run_task(cluster="c", taskDefinition=td, launchType="FARGATE", networkConfiguration=network(lab))
    assert lab.teardown().ok
    assert guardrails.ledger(lab).running() == {}
    assert "nothing running" in str(guardrails.ledger(lab))


def test_the_ledger_text_has_no_ids(in_process_aws: None) -> None:
    lab = real_lab()
    td = task_definition(lab)
    lab.client("ecs").run_task(cluster="c", taskDefinition=td, count=2, launchType="FARGATE",
                               networkConfiguration=network(lab))
    text = str(guardrails.ledger(lab))
    assert "  tasks in cluster c: 2 x 0.25 vCPU / 0.5 GB" in text and "arn:" not in text


# --- how notices reach the learner ------------------------------------------------------------------------------
class NoticeLab:
    def __init__(self) -> None:
        self.notices: list[str] = []
        self.on_notice = None


def test_a_notebook_displays_notices_and_a_refusal_only_as_its_error(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    shown: list[Any] = []
    monkeypatch.setattr(guardrails.notices, "in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    lab = NoticeLab()
    guardrails.say(lab, "RunTask: about $0.0123/hour <b>")
    guardrails.say(lab, "refused RunTask: ...", show=False)
    assert [str(n) for n in shown] == ["RunTask: about $0.0123/hour <b>"]
    assert "&lt;b&gt;" in shown[0]._repr_html_()
    assert lab.notices == ["RunTask: about $0.0123/hour <b>", "refused RunTask: ..."]
    assert capsys.readouterr() == ("", "")


def test_on_notice_receives_notices_instead(capsys: pytest.CaptureFixture[str]) -> None:
    lab = NoticeLab()
    heard: list[str] = []
    lab.on_notice = heard.append  # type: ignore[assignment]
    guardrails.progress(lab)("web: 1/3 running, 2 pending, 1 deployment(s)")
    assert heard == lab.notices == ["web: 1/3 running, 2 pending, 1 deployment(s)"]
    assert capsys.readouterr() == ("", "")


# --- what AWS answers itself ----------------------------------------------------------------------------------------
def test_a_call_naming_what_does_not_exist_gets_awss_own_error(in_process_aws: None) -> None:
    from botocore.exceptions import ClientError

    lab = real_lab()
    task_definition(lab)
    ecs = lab.client("ecs")
    with pytest.raises(ClientError) as err:
        ecs.update_service(cluster="c", service="nope", desiredCount=2)
    assert err.value.response["Error"]["Code"] == "ServiceNotFoundException"
    with pytest.raises(ClientError) as err:
        ecs.create_service(cluster="c", serviceName="web", taskDefinition="missing:1", desiredCount=1,
                           launchType="FARGATE", networkConfiguration=network(lab))
    assert err.value.response["Error"]["Code"] == "ClientException"
    assert guardrails.ledger(lab).running() == {}


def test_a_describe_that_aws_refuses_stops_the_call(in_process_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    lab = real_lab()
    td = task_definition(lab)

    def denied(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                          "DescribeTaskDefinition")

    monkeypatch.setattr(lab.client("ecs"), "describe_task_definition", denied)
    with pytest.raises(GuardrailError, match="refused RunTask: labkit could not price it"):
        lab.client("ecs").run_task(cluster="c", taskDefinition=td, launchType="FARGATE",
                                   networkConfiguration=network(lab))
    assert lab.client("ecs").list_tasks(cluster="c")["taskArns"] == []


def test_a_load_balancer_is_priced_by_the_hour_and_leaves_the_ledger_when_deleted(in_process_aws: None) -> None:
    from labkit.model.pricing import load_balancer_hourly

    lab = real_lab(budget=1)
    subnets = network(lab)["awsvpcConfiguration"]["subnets"]
    elbv2 = lab.client("elbv2")
    arn = elbv2.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    hourly_alb = load_balancer_hourly("us-east-1")
    assert hourly_alb == pytest.approx(0.0225 + 0.008)  # labkit.data: the hour, and one LCU-hour
    assert lab.notices[-1].startswith(f"CreateLoadBalancer (load balancer web): about ${hourly_alb:.4f}/hour")
    assert guardrails.ledger(lab).hourly() == pytest.approx(hourly_alb)
    assert "load balancer web" in str(guardrails.ledger(lab))
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert guardrails.ledger(lab).hourly() == 0
    assert guardrails.ledger(lab).spent(lab.clock.now()) == pytest.approx(hourly_alb)  # a partial hour is an hour


def test_a_load_balancer_over_budget_or_of_another_type_is_refused(in_process_aws: None) -> None:
    lab = real_lab(budget=0.05)
    subnets = network(lab)["awsvpcConfiguration"]["subnets"]
    elbv2 = lab.client("elbv2")
    with pytest.raises(GuardrailError, match=r"refused CreateLoadBalancer \(load balancer web\): an Application "):
        elbv2.create_load_balancer(Name="web", Subnets=subnets)
    with pytest.raises(GuardrailError, match="labkit prices Application Load Balancers only"):
        elbv2.create_load_balancer(Name="net", Subnets=subnets, Type="network")
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
