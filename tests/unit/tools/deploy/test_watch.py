"""tools/deploy/watch.py's decisions, with fake ECS and CloudWatch clients and a fake clock:
which deployment is the applied one, when a rollout is complete or failed, which alarms are
triggers of which workspace, what refuses a deploy before the apply, and what fails it after."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config import load_environment
from tests.configs import changed
from tools.deploy import watch
from tools.deploy.progress import Progress
from tools.deploy.steps import Context
from tools.deploy.watch import AlarmState, RefusedError, Trigger
from tools.deploy.workspace import Workspace
from tools.terraform.json_ui import ApplyLog

OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dailydesk-local-api:3"
NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/dailydesk-local-api:4"
SERVICE = "aws_ecs_service.service_service_ABC"
FIVE_XX = "dailydesk-local-http-5xx-rate"
UNHEALTHY = "dailydesk-local-unhealthy-targets"
WENT_OFF = datetime(2026, 12, 2, 8, 41, 7, tzinfo=UTC)


def deployment(task_definition: str, state: str, status: str = "PRIMARY", name: str = "ecs-svc/1") -> dict:
    return {
        "id": name,
        "status": status,
        "taskDefinition": task_definition,
        "rolloutState": state,
        "rolloutStateReason": f"ECS deployment {name} {state.lower()}.",
    }


def described(*deployments: dict, running: str = NEW, events: tuple[str, ...] = ()) -> dict:
    return {
        "status": "ACTIVE",
        "taskDefinition": running,
        "deployments": list(deployments),
        "events": [{"message": message} for message in events],
    }


def applied(*addresses: str, action: str = "update") -> ApplyLog:
    """The log of an apply that did `action` to each address."""
    log = ApplyLog()
    log.completed = dict.fromkeys(addresses, (action, 1.0))
    return log


# ------------------------------------------------------------------ which deployment, what state


def test_the_deployment_of_the_applied_task_definition_is_watched_not_the_primary():
    # After the circuit breaker's rollback the PRIMARY deployment is the old revision again,
    # and it completes: terraform-provider-aws #19519/#20858. The applied one FAILED.
    failed = deployment(NEW, "FAILED", "ACTIVE", "ecs-svc/2") | {"rolloutStateReason": "tasks failed to start."}
    answer = described(deployment(OLD, "COMPLETED", name="ecs-svc/3"), failed, running=OLD)

    rollout = watch.rollout_of(answer, NEW)

    assert rollout == watch.Rollout("FAILED", "ecs-svc/2", "tasks failed to start.")
    assert watch.rollout_of(answer, OLD).state == "COMPLETED"


def test_a_rollout_in_progress_then_completed():
    rolling = described(deployment(NEW, "IN_PROGRESS"), deployment(OLD, "COMPLETED", "ACTIVE", "ecs-svc/0"))
    assert (watch.rollout_of(rolling, NEW).state, watch.rollout_of(rolling, NEW).deployment) == (
        "IN_PROGRESS",
        "ecs-svc/1",
    )
    assert watch.rollout_of(described(deployment(NEW, "COMPLETED")), NEW).state == "COMPLETED"


def test_a_deployment_gone_with_the_service_on_another_revision_was_rolled_back():
    answer = described(
        deployment(OLD, "COMPLETED"), running=OLD, events=("(service api) rolling back to deployment ecs-svc/3.",)
    )
    rollout = watch.rollout_of(answer, NEW)
    assert rollout.state == watch.GONE
    assert "back on dailydesk-local-api:3" in rollout.reason and "rolling back to deployment" in rollout.reason
    assert watch.rollout_of(None, NEW).state == watch.GONE


def test_only_an_apply_that_touched_the_service_or_its_task_definition_waits():
    assert watch.touches_the_service(applied(SERVICE))
    assert watch.touches_the_service(applied("aws_ecs_task_definition.td", action="create"))
    assert not watch.touches_the_service(applied("aws_ecs_task_definition.td", action="delete"))
    assert not watch.touches_the_service(applied("aws_cloudwatch_log_group.logs"))


def test_the_service_is_read_from_the_state_the_apply_wrote():
    state = {
        "resources": [
            {
                "mode": "managed",
                "type": "aws_ecs_service",
                "name": "service_service_ABC",
                "instances": [{"attributes": {"cluster": "arn:cluster/c", "name": "api", "task_definition": NEW}}],
            },
            {"mode": "data", "type": "aws_ecs_service", "name": "other", "instances": [{"attributes": {}}]},
        ]
    }
    assert watch.services_in_state(state) == [watch.Service(SERVICE, "arn:cluster/c", "api", NEW)]


# ------------------------------------------------------------------ rollback triggers


def test_the_default_triggers_are_the_apis_alarms_of_the_backend_only():
    config = load_environment("local")
    assert watch.triggers(config, "backend") == (
        Trigger("http-5xx-rate", FIVE_XX),
        Trigger("unhealthy-targets", UNHEALTHY),
    )
    assert watch.triggers(config, "parent") == watch.triggers(config, "frontend") == ()
    assert watch.triggers(changed(config, **{"deploy.rollback_alarms": []}), "backend") == ()
    chosen = changed(config, **{"deploy.rollback_alarms": ["redis-memory/001"]})
    assert watch.triggers(chosen, "backend") == (Trigger("redis-memory/001", "dailydesk-local-redis-memory-001"),)
    with pytest.raises(ValueError, match="'disk-full' is not an alarm of the backend"):
        watch.triggers(changed(config, **{"deploy.rollback_alarms": ["disk-full"]}), "backend")


TRIGGERS = (Trigger("http-5xx-rate", FIVE_XX), Trigger("unhealthy-targets", UNHEALTHY))


def state(name: str, value: str = "OK", reason: str = "fine") -> AlarmState:
    return AlarmState(name, value, reason, WENT_OFF)


def test_a_missing_trigger_refuses_the_deploy_unless_this_configuration_creates_it():
    with pytest.raises(RefusedError, match=f"rollback trigger alarm.s. {UNHEALTHY} do not exist"):
        watch.check_triggers("backend-local", TRIGGERS, {FIVE_XX: state(FIVE_XX)}, set())
    # A first deploy creates its alarms: watched once they exist.
    watched, lines = watch.check_triggers("backend-local", TRIGGERS, {}, {FIVE_XX, UNHEALTHY})
    assert (watched, lines) == (TRIGGERS, [])


def test_a_trigger_already_in_alarm_refuses_the_deploy_unless_the_operator_ignores_it():
    found = {FIVE_XX: state(FIVE_XX, "ALARM", "Threshold Crossed"), UNHEALTHY: state(UNHEALTHY)}
    with pytest.raises(RefusedError) as refused:
        watch.check_triggers("backend-local", TRIGGERS, found, set())
    assert f"{FIVE_XX} is in ALARM since 2026-12-02T08:41:07Z: Threshold Crossed" in str(refused.value)
    assert f"--ignore-alarm {FIVE_XX}" in str(refused.value)

    watched, lines = watch.check_triggers("backend-local", TRIGGERS, found, set(), ignored=[FIVE_XX])
    assert watched == (TRIGGERS[1],)
    assert lines == [f"backend-local: rollback trigger {FIVE_XX} ignored for this deploy (--ignore-alarm; "
                     "in ALARM since 2026-12-02T08:41:07Z)"]  # fmt: skip
    # By purpose too; a name that is no trigger is a mistake, said before anything is applied.
    assert watch.check_triggers("backend-local", TRIGGERS, found, set(), ignored=["http-5xx-rate"])[0] == (TRIGGERS[1],)
    with pytest.raises(RefusedError, match="--ignore-alarm typo: not a rollback trigger of backend-local"):
        watch.check_triggers("backend-local", TRIGGERS, found, set(), ignored=["typo"])


# ------------------------------------------------------------------ a watch, end to end with fakes


class FakeECS:
    def __init__(self, answers: list[dict]) -> None:
        self.answers = answers
        self.calls = 0

    def describe_services(self, cluster: str, services: list[str]) -> dict:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return {"services": [answer]}


class FakeCloudWatch:
    """Alarm states by the number of the read: `states[n]` is what read n sees (the last repeats)."""

    def __init__(self, states: list[dict[str, str]]) -> None:
        self.states = states
        self.reads = 0

    def describe_alarms(self, AlarmNames: list[str], AlarmTypes: list[str]) -> dict:  # noqa: N803 (boto3's names)
        now = self.states[min(self.reads, len(self.states) - 1)]
        self.reads += 1
        return {
            "MetricAlarms": [
                {"AlarmName": name, "StateValue": now.get(name, "OK"), "StateReason": f"{name} reason",
                 "StateUpdatedTimestamp": WENT_OFF}
                for name in AlarmNames
            ]
        }  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def a_watch(
    monkeypatch, layer: str = "backend", *, ecs: Any = None, cloudwatch: Any = None, triggers=TRIGGERS, seconds=30.0
) -> tuple[watch.Watch, io.StringIO, Clock]:
    monkeypatch.setattr(
        watch.terraform,
        "state_pull",
        lambda directory: {
            "resources": [
                {
                    "mode": "managed",
                    "type": "aws_ecs_service",
                    "name": "service_service_ABC",
                    "instances": [{"attributes": {"cluster": "c", "name": "api", "task_definition": NEW}}],
                }
            ]
        },
    )
    stream = io.StringIO()
    clock = Clock()
    workspace = Workspace(load_environment("local"), layer, Path("/nonexistent/stacks") / f"{layer}-local")
    clients = {"ecs": ecs, "cloudwatch": cloudwatch}
    watcher = watch.Watch(
        workspace,
        Context(progress=Progress(stream, live=False)),
        triggers,
        clients.__getitem__,
        monitor_seconds=seconds,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    return watcher, stream, clock


def test_a_completed_rollout_and_a_quiet_window_verify_the_deploy(monkeypatch):
    ecs = FakeECS([described(deployment(NEW, "IN_PROGRESS"))] * 2 + [described(deployment(NEW, "COMPLETED"))])
    cloudwatch = FakeCloudWatch([{}])
    watcher, stream, clock = a_watch(monkeypatch, ecs=ecs, cloudwatch=cloudwatch)
    started = clock.now

    assert watcher.verify(applied(SERVICE), deadline=started + 600)

    assert stream.getvalue().splitlines() == [
        "backend-local: service rollout COMPLETED in 4 s",
        "backend-local: watching 2 alarms for 30 s: OK",
    ]
    assert clock.now - started == pytest.approx(4 + 30)  # two polls 2 s apart, then the window


def test_a_failed_rollout_fails_the_deploy_with_cloudformations_line(monkeypatch):
    failed = deployment(NEW, "FAILED", "ACTIVE", "ecs-svc/7") | {
        "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."
    }
    ecs = FakeECS([described(deployment(OLD, "IN_PROGRESS", name="ecs-svc/8"), failed, running=OLD)])
    watcher, stream, _ = a_watch(monkeypatch, ecs=ecs, cloudwatch=FakeCloudWatch([{}]))

    assert not watcher.verify(applied(SERVICE), deadline=2000)

    assert stream.getvalue().splitlines() == [
        f"UPDATE_FAILED {SERVICE}: deployment ecs-svc/7 FAILED: ECS deployment circuit breaker: tasks failed to start."
    ]


def test_a_rollout_that_never_completes_fails_at_the_deploy_timeout(monkeypatch):
    ecs = FakeECS([described(deployment(NEW, "IN_PROGRESS", name="ecs-svc/9"))])
    watcher, stream, clock = a_watch(monkeypatch, ecs=ecs, cloudwatch=FakeCloudWatch([{}]))

    assert not watcher.verify(applied(SERVICE), deadline=clock.now + 60, timeout_seconds=600)

    assert clock.now == pytest.approx(1060)
    assert stream.getvalue().splitlines() == [
        f"UPDATE_FAILED {SERVICE}: deployment ecs-svc/9 did not complete within the deploy timeout of 10 min "
        "(rolloutState IN_PROGRESS: ECS deployment ecs-svc/9 in_progress.)"
    ]


def test_an_apply_that_did_not_touch_the_service_does_not_wait_for_it(monkeypatch):
    ecs = FakeECS([described(deployment(NEW, "IN_PROGRESS"))])
    watcher, stream, _ = a_watch(monkeypatch, ecs=ecs, cloudwatch=FakeCloudWatch([{}]), seconds=0)

    assert watcher.verify(applied("aws_cloudwatch_log_group.logs"), deadline=2000)

    assert ecs.calls == 0
    assert stream.getvalue().splitlines() == ["backend-local: watching 2 alarms for 0 s: OK"]


def test_a_parent_deploy_neither_waits_nor_reads_an_alarm(monkeypatch):
    watcher, stream, clock = a_watch(monkeypatch, "parent", ecs=None, cloudwatch=None, triggers=())
    assert watcher.verify(applied("aws_ssm_parameter.p"), deadline=2000)
    assert (stream.getvalue(), clock.now) == ("", 1000.0)


def test_a_trigger_going_off_in_the_window_fails_the_deploy_and_names_it(monkeypatch):
    ecs = FakeECS([described(deployment(NEW, "COMPLETED"))])
    cloudwatch = FakeCloudWatch([{}, {}, {UNHEALTHY: "ALARM"}])
    watcher, stream, _ = a_watch(monkeypatch, ecs=ecs, cloudwatch=cloudwatch)

    assert not watcher.verify(applied(SERVICE), deadline=2000)

    assert stream.getvalue().splitlines() == [
        "backend-local: service rollout COMPLETED in 0 s",
        f"UPDATE_FAILED backend-local: rollback trigger {UNHEALTHY} went to ALARM at 2026-12-02T08:41:07Z "
        f"(in the monitoring window): {UNHEALTHY} reason",
    ]


def test_a_trigger_that_went_off_during_the_apply_fails_it_although_it_is_ok_again(monkeypatch):
    cloudwatch = FakeCloudWatch([{FIVE_XX: "ALARM"}, {}])
    ecs = FakeECS([described(deployment(NEW, "COMPLETED"))])
    watcher, stream, _ = a_watch(monkeypatch, ecs=ecs, cloudwatch=cloudwatch)
    watcher.alarm_poll = 0.01

    with watcher.during_apply():
        while cloudwatch.reads == 0:
            pass

    assert not watcher.verify(applied(SERVICE), deadline=2000)
    assert stream.getvalue().splitlines()[-1] == (
        f"UPDATE_FAILED backend-local: rollback trigger {FIVE_XX} went to ALARM at 2026-12-02T08:41:07Z "
        f"(during the apply): {FIVE_XX} reason"
    )


def test_prepare_checks_the_triggers_before_anything_is_applied():
    workspace = Workspace(load_environment("local"), "backend", Path("/nonexistent/stacks/backend-local"))
    context = Context(progress=Progress(io.StringIO(), live=False))
    cloudwatch = FakeCloudWatch([{FIVE_XX: "ALARM"}])
    with pytest.raises(RefusedError, match=f"{FIVE_XX} is in ALARM"):
        watch.prepare(workspace, context, {}, clients={"cloudwatch": cloudwatch}.__getitem__)
    watcher = watch.prepare(workspace, context, {}, [FIVE_XX], clients={"cloudwatch": cloudwatch}.__getitem__)
    assert watcher.watched == (TRIGGERS[1],)
    assert watcher.monitor_seconds == 15
