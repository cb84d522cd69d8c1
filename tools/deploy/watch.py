"""A deploy is complete only when the service runs it and the alarms stay quiet:
CloudFormation's resource stabilization and rollback triggers, for the deploy engine.

The engine (tools/deploy/engine.py) calls `prepare` before it applies a saved plan, runs the
apply inside `Watch.during_apply()`, and asks `Watch.verify` after a successful apply. Only a
verified apply is recorded as the last good configuration; a failed verification is a failed
deploy: its CloudFormation-style line is printed here, then the engine rolls back as after a
failed apply (ROLLBACK_COMPLETE, exit 4).

**Rollout** (resource stabilization). When the apply created, updated or replaced an
`aws_ecs_service` or an `aws_ecs_task_definition`, each ECS service in the workspace's state
must reach `rolloutState` COMPLETED for the task definition *the apply gave it*, read from the
state Terraform wrote, within what is left of the deploy timeout. Not the service's primary
deployment: after a circuit-breaker rollback that one carries the previous revision again, and
it is steady (the trap of `wait_for_steady_state`, terraform-provider-aws #19519/#20858).
FAILED, gone (the circuit breaker put the previous revision back), or not COMPLETED in time:

    UPDATE_FAILED aws_ecs_service.service_X (backend-prod/service/service): deployment ecs-svc/123 FAILED: <reason>

An apply that touched neither (and every parent or frontend apply) does not wait.

**Rollback triggers**: `[deploy] rollback_alarms` (purposes of the backend's alarms,
workspace/alarms.py; unset: the API's 5xx rate and unhealthy targets) and `monitor_minutes`.
They are the backend's alarms, so they apply to the backend workspace only: a parent or
frontend deploy neither checks nor waits for them. Before the apply, as CloudFormation does: a
trigger that does not exist (and that the configuration being applied does not create, as a
first deploy creates its alarms) refuses the deploy, nothing applied (exit 1); one already in
ALARM refuses it too, unless the operator names it with `--ignore-alarm` (IGNORE_ALARM=), which
leaves that alarm unwatched for this one deploy. From the start of the apply, through the
rollout wait, to the end of the window after it, a trigger in ALARM fails the deploy:

    UPDATE_FAILED backend-prod: rollback trigger dailydesk-prod-http-5xx-rate went to ALARM at
      2026-12-02T08:41:07Z (in the monitoring window): <state reason>

Progress, one line each: `backend-prod: service rollout COMPLETED in 94 s`,
`backend-prod: watching 2 alarms for 10 min: OK`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.schema import EnvironmentConfig
from tools.deploy import timeout as deploy_timeout
from tools.deploy.steps import Context
from tools.deploy.workspace import Workspace
from tools.terraform import cli as terraform
from tools.terraform.json_ui import ApplyLog
from workspace import alarms, layers
from workspace.naming import Namer

SERVICE_TYPE = "aws_ecs_service"
# What rolls the service out when the apply creates, updates or replaces it.
ROLLED_OUT_TYPES = frozenset({SERVICE_TYPE, "aws_ecs_task_definition"})
ALARM_TYPES = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
# The layer whose alarms workspace/alarms.py describes: the only one with rollback triggers.
TRIGGER_LAYER = layers.BACKEND.name
ROLLOUT_POLL_SECONDS = 2.0
ALARM_POLL_SECONDS = 5.0
COMPLETED, FAILED, IN_PROGRESS = "COMPLETED", "FAILED", "IN_PROGRESS"
# The deployment of the applied task definition is no longer listed and the service runs another.
GONE = "GONE"
ALARM = "ALARM"

ClientFactory = Callable[[str], Any]  # service name -> boto3 client (tools.aws.Clients)


class RefusedError(Exception):
    """The rollback triggers do not allow this deploy to start; nothing was applied."""


# ------------------------------------------------------------------ rollback triggers


@dataclass(frozen=True)
class Trigger:
    purpose: str
    name: str  # the CloudWatch alarm name


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str
    reason: str
    since: datetime | None

    @property
    def when(self) -> str:
        return self.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.since else "an unknown time"


def triggers(config: EnvironmentConfig, layer: str) -> tuple[Trigger, ...]:
    """The rollback triggers of `layer`'s workspace: the configured purposes (or the
    defaults) named as the backend names its alarms; none for the other layers."""
    if layer != TRIGGER_LAYER:
        return ()
    purposes = config.deploy.rollback_alarms
    if purposes is None:
        purposes = alarms.DEFAULT_ROLLBACK_TRIGGERS
    for purpose in purposes:
        try:
            alarms.parse(purpose)
        except (KeyError, ValueError):
            raise ValueError(
                f"[deploy] rollback_alarms of {config.name}: {purpose!r} is not an alarm of the backend "
                f"(kinds: {', '.join(alarms.BY_KEY)}; per job or node: kind/subject)"
            ) from None
    namer = Namer(config.project, config.name)
    return tuple(Trigger(purpose, alarms.alarm_name(namer, purpose)) for purpose in purposes)


def defined_alarms(configuration: dict[str, Any]) -> set[str]:
    """The names of the alarms a configuration creates."""
    resources = configuration.get("resource", {})
    return {
        str(body.get("alarm_name"))
        for resource_type in ALARM_TYPES
        for body in resources.get(resource_type, {}).values()
        if body.get("alarm_name")
    }


def read_alarms(cloudwatch: Any, names: Iterable[str]) -> dict[str, AlarmState]:
    """The alarms of those names that exist, by name."""
    names = sorted(set(names))
    if not names:
        return {}
    response = cloudwatch.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return {
        alarm["AlarmName"]: AlarmState(
            alarm["AlarmName"],
            alarm.get("StateValue", ""),
            alarm.get("StateReason", ""),
            alarm.get("StateTransitionedTimestamp") or alarm.get("StateUpdatedTimestamp"),
        )
        for alarm in [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]
    }


def check_triggers(
    stack: str,
    wanted: tuple[Trigger, ...],
    found: dict[str, AlarmState],
    defined: set[str],
    ignored: Iterable[str] = (),
) -> tuple[tuple[Trigger, ...], list[str]]:
    """Before the apply: (the triggers to watch, lines to show), or RefusedError (nothing applied).

    Missing (not in CloudWatch, not created by this configuration): refused, as CloudFormation
    refuses a rollback configuration naming an alarm that does not exist. In ALARM: refused
    unless ignored by the operator; an ignored trigger is not watched in this deploy."""
    ignored = tuple(ignored)
    unknown = [name for name in ignored if not any(name in (t.name, t.purpose) for t in wanted)]
    if unknown:
        names = ", ".join(t.name for t in wanted) or "none (only backend deploys have them)"
        raise RefusedError(f"{stack}: --ignore-alarm {' '.join(unknown)}: not a rollback trigger of {stack} ({names})")
    missing = [t for t in wanted if t.name not in found and t.name not in defined]
    if missing:
        raise RefusedError(
            f"{stack}: rollback trigger alarm(s) {', '.join(t.name for t in missing)} do not exist "
            "(not in CloudWatch, not created by this configuration); nothing was applied. "
            "Fix [deploy] rollback_alarms of the environment, or deploy what creates the alarm first"
        )
    watched, lines = [], []
    for trigger in wanted:
        alarm = found.get(trigger.name)
        skipped = trigger.name in ignored or trigger.purpose in ignored
        in_alarm = alarm is not None and alarm.state == ALARM
        if skipped:
            state = alarm.state if alarm else "not created yet"
            state = f"in ALARM since {alarm.when}" if alarm and in_alarm else state
            lines.append(f"{stack}: rollback trigger {trigger.name} ignored for this deploy (--ignore-alarm; {state})")
        elif in_alarm:
            assert alarm is not None
            raise RefusedError(
                f"{stack}: rollback trigger {trigger.name} is in ALARM since {alarm.when}: {alarm.reason}; "
                f"nothing was applied. If this deploy is the fix, name it: --ignore-alarm {trigger.name} "
                f"(make deploy ... IGNORE_ALARM={trigger.name})"
            )
        else:
            watched.append(trigger)
    return tuple(watched), lines


def first_in_alarm(found: dict[str, AlarmState], watched: Iterable[Trigger]) -> AlarmState | None:
    return next((found[t.name] for t in watched if t.name in found and found[t.name].state == ALARM), None)


def alarm_line(stack: str, alarm: AlarmState, when: str) -> str:
    went = f"went to ALARM at {alarm.when} ({when})"
    return f"UPDATE_FAILED {stack}: rollback trigger {alarm.name} {went}: {alarm.reason}"


# ------------------------------------------------------------------ the service rollout


@dataclass(frozen=True)
class Service:
    """An ECS service as the apply left it in state."""

    address: str
    cluster: str
    name: str
    task_definition: str  # the ARN the apply gave it


@dataclass(frozen=True)
class Rollout:
    state: str  # COMPLETED, FAILED, IN_PROGRESS (or another rolloutState), GONE
    deployment: str | None
    reason: str


def touches_the_service(log: ApplyLog) -> bool:
    """Whether the apply created, updated or replaced a service or a task definition."""
    return any(
        address.split(".", 1)[0] in ROLLED_OUT_TYPES and action != "delete"
        for address, (action, _) in log.completed.items()
    )


def services_in_state(state: dict[str, Any]) -> list[Service]:
    found = []
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed" or resource.get("type") != SERVICE_TYPE or resource.get("module"):
            continue
        for instance in resource.get("instances", []):
            attributes = instance.get("attributes") or {}
            key = instance.get("index_key")
            address = f"{SERVICE_TYPE}.{resource['name']}" + ("" if key is None else f"[{key!r}]")
            found.append(Service(address, attributes["cluster"], attributes["name"], attributes["task_definition"]))
    return found


def revision(task_definition: str) -> str:
    """`family:revision` of a task definition ARN."""
    return task_definition.rsplit("/", 1)[-1]


def rollout_of(described: dict[str, Any] | None, task_definition: str) -> Rollout:
    """Where the deployment of `task_definition` is, from one DescribeServices answer."""
    if described is None or described.get("status") != "ACTIVE":
        status = "missing" if described is None else described.get("status")
        return Rollout(GONE, None, f"the service is {status}")
    carrying = [d for d in described.get("deployments", []) if d.get("taskDefinition") == task_definition]
    if not carrying:
        running = described.get("taskDefinition", "")
        if running == task_definition:
            return Rollout(COMPLETED, None, "the service runs it and has no deployment in flight")
        events = described.get("events") or []
        latest = f" (last service event: {events[0].get('message')})" if events else ""
        return Rollout(GONE, None, f"no deployment runs it; the service is back on {revision(running)}{latest}")
    deployment = next((d for d in carrying if d.get("status") == "PRIMARY"), carrying[0])
    state = deployment.get("rolloutState")
    if state is None:  # not the ECS deployment controller: nothing to verify
        return Rollout(COMPLETED, deployment.get("id"), "the deployment reports no rolloutState")
    return Rollout(str(state), deployment.get("id"), deployment.get("rolloutStateReason", ""))


def rollout_line(workspace: Workspace, service: Service, rollout: Rollout, timeout_seconds: float | None) -> str:
    """The CloudFormation-style line of a rollout that did not complete."""
    path = workspace.path_of(service.address)
    if rollout.state == FAILED:
        return f"UPDATE_FAILED {path}: deployment {rollout.deployment} FAILED: {rollout.reason}"
    if rollout.state == GONE:
        return f"UPDATE_FAILED {path}: {revision(service.task_definition)} was rolled back by ECS: {rollout.reason}"
    limit = deploy_timeout.describe(timeout_seconds) if timeout_seconds is not None else "?"
    return (
        f"UPDATE_FAILED {path}: deployment {rollout.deployment} did not complete within the deploy timeout of "
        f"{limit} (rolloutState {rollout.state}: {rollout.reason})"
    )


# ------------------------------------------------------------------ the watch of one apply


@dataclass
class Watch:
    workspace: Workspace
    context: Context
    watched: tuple[Trigger, ...]
    clients: ClientFactory
    monitor_seconds: float = 0.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rollout_poll: float = ROLLOUT_POLL_SECONDS
    alarm_poll: float = ALARM_POLL_SECONDS
    fired: AlarmState | None = None  # the first trigger seen in ALARM
    _fired_when: str = ""
    _next_alarm_check: float = field(default=0.0, repr=False)

    @property
    def stack(self) -> str:
        return self.workspace.stack

    # -- alarms

    def _check_alarms(self, when: str) -> bool:
        """Read the watched triggers; False (and `fired` set) when one is in ALARM."""
        if self.fired is None and self.watched:
            found = read_alarms(self.clients("cloudwatch"), [t.name for t in self.watched])
            alarm = first_in_alarm(found, self.watched)
            if alarm is not None:
                self.fired, self._fired_when = alarm, when
        return self.fired is None

    def _alarms_due(self, when: str) -> bool:
        """`_check_alarms` at most every `alarm_poll` seconds."""
        now = self.monotonic()
        if now < self._next_alarm_check:
            return self.fired is None
        self._next_alarm_check = now + self.alarm_poll
        return self._check_alarms(when)

    @contextmanager
    def during_apply(self) -> Iterator[None]:
        """Watch the triggers in the background while the apply runs."""
        if not self.watched:
            yield
            return
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set() and self.fired is None:
                try:
                    self._check_alarms("during the apply")
                except Exception as error:  # a read error is reported, never fatal to the apply
                    self.context.progress.line(f"warning: {self.stack}: reading the rollback triggers: {error}")
                stop.wait(self.alarm_poll)

        thread = threading.Thread(target=poll, name=f"triggers-{self.stack}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=self.alarm_poll + 30)

    # -- after a successful apply

    def verify(self, log: ApplyLog, deadline: float, timeout_seconds: float | None = None) -> bool:
        """True when the deploy is complete: the rollout (if the apply touched the service)
        COMPLETED before `deadline`, and no trigger went to ALARM until the end of the window.
        Otherwise the failure's line is printed and False."""
        if not log.completed:  # nothing changed (outputs only): nothing to verify
            return True
        self._next_alarm_check = 0.0
        try:
            if touches_the_service(log):
                for service in services_in_state(terraform.state_pull(self.workspace.directory)):
                    if not self._rollout(service, deadline, timeout_seconds):
                        return False
            if self.watched:
                return self._window()
        except Exception as error:  # what cannot be verified is not complete
            self.context.progress.line(f"UPDATE_FAILED {self.stack}: the deploy could not be verified: {error}")
            return False
        return self._alarm_failed() if self.fired else True

    def _alarm_failed(self) -> bool:
        assert self.fired is not None
        self.context.progress.line(alarm_line(self.stack, self.fired, self._fired_when))
        return False

    def _cancelled(self, what: str) -> bool:
        if not self.context.interrupts.cancelled:
            return False
        self.context.progress.line(f"CANCELLED {self.stack}: interrupted by the operator {what}")
        return True

    def _rollout(self, service: Service, deadline: float, timeout_seconds: float | None) -> bool:
        started = self.monotonic()
        ecs = self.clients("ecs")
        with self.context.progress.running(self.stack, "rollout"):
            while True:
                if not self._alarms_due("during the service rollout"):
                    return self._alarm_failed()
                answer = ecs.describe_services(cluster=service.cluster, services=[service.name])
                described = next(iter(answer.get("services", [])), None)
                rollout = rollout_of(described, service.task_definition)
                if rollout.state == COMPLETED:
                    seconds = self.monotonic() - started
                    self.context.progress.line(f"{self.stack}: service rollout COMPLETED in {seconds:.0f} s")
                    return True
                if rollout.state in (FAILED, GONE) or self.monotonic() >= deadline:
                    self.context.progress.line(rollout_line(self.workspace, service, rollout, timeout_seconds))
                    return False
                if self._cancelled("while waiting for the service rollout"):
                    return False
                self.sleep(max(0.0, min(self.rollout_poll, deadline - self.monotonic())))

    def _window(self) -> bool:
        seconds = self.monitor_seconds
        end = self.monotonic() + seconds
        count = len(self.watched)
        what = f"watching {count} alarm{'s' if count != 1 else ''} for {deploy_timeout.describe(seconds)}"
        with self.context.progress.running(self.stack, "monitor"):
            while True:
                if not self._check_alarms("in the monitoring window"):
                    return self._alarm_failed()
                left = end - self.monotonic()
                if left <= 0:
                    break
                if self._cancelled("in the monitoring window"):
                    return False
                self.sleep(min(self.alarm_poll, left))
        self.context.progress.line(f"{self.stack}: {what}: OK")
        return True


def prepare(
    workspace: Workspace,
    context: Context,
    configuration: dict[str, Any],
    ignored: Iterable[str] = (),
    clients: ClientFactory | None = None,
) -> Watch:
    """Before the apply: the triggers checked (RefusedError: nothing may be applied) and the watch
    of this apply."""
    ignored = tuple(ignored)
    try:
        wanted = triggers(workspace.config, workspace.layer)
    except ValueError as error:
        raise RefusedError(str(error)) from None
    if clients is None:
        from tools.aws import Clients

        clients = Clients(workspace.config)
    try:
        found = read_alarms(clients("cloudwatch"), [t.name for t in wanted]) if wanted else {}
    except Exception as error:  # the API's own errors (credentials, throttling, the endpoint)
        raise RefusedError(f"{workspace.stack}: cannot read the rollback trigger alarms: {error}") from None
    watched, lines = check_triggers(workspace.stack, wanted, found, defined_alarms(configuration), ignored)
    for line in lines:
        context.progress.line(line)
    return Watch(workspace, context, watched, clients, monitor_seconds=workspace.config.deploy.monitor_minutes * 60)
