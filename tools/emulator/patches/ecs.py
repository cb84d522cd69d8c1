"""ECS: services keep the settings they were created with; task definitions are found and
reported as AWS does; deployments roll out (and fail, and roll back) as AWS's do."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools.emulator.patches import patch

if TYPE_CHECKING:
    from moto.core.responses import ActionResult

# CreateService request members that AWS echoes back in the Service it describes and that
# moto's Service model drops.
ECHOED_SERVICE_SETTINGS = (
    "healthCheckGracePeriodSeconds",
    "availabilityZoneRebalancing",
    "deploymentConfiguration",
    "enableECSManagedTags",
    "enableExecuteCommand",
)


@patch("ecs", "CreateService", "DescribeServices")
def service_keeps_settings() -> None:
    """CreateService stores `healthCheckGracePeriodSeconds`, `availabilityZoneRebalancing`,
    `deploymentConfiguration` (circuit breaker), `enableECSManagedTags` and
    `enableExecuteCommand`, and DescribeServices returns them, as AWS does.

    The backend service sets a 60 s grace period (the ALB health check must not kill a
    booting task), the deployment circuit breaker and ECS managed tags, and the provider
    sends its defaults for AZ rebalancing and execute-command; moto dropped all of them,
    so every plan showed a diff on `aws_ecs_service`.
    """
    from botocore import xform_name
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service

    def create_service(self: EC2ContainerServiceResponse) -> ActionResult:
        result = original(self)
        cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
        service = self.ecs_backend.services[f"{cluster.name}:{self._get_param('serviceName')}"]
        for setting in ECHOED_SERVICE_SETTINGS:
            value = self._get_param(setting)
            if value is not None:
                # The serializer looks attributes up by their snake_case name, which is also
                # the name UpdateService writes to.
                setattr(service, xform_name(setting), value)
        return result

    setattr(EC2ContainerServiceResponse, "create_service", create_service)


@patch("ecs", "DescribeTaskDefinition", "CreateService", "UpdateService", "RunTask")
def bare_family_is_latest_active_revision() -> None:
    """A task definition named by its bare family (`DescribeTaskDefinition`, and the
    `taskDefinition` of CreateService, UpdateService, RunTask) is the family's latest ACTIVE
    revision, as AWS documents; moto took the highest revision even when INACTIVE.

    The backend reads the image of the family's latest revision (the pipeline's last
    deployment) into Terraform's task definition, and `track_latest` refreshes the task
    definition from the family: a deregistered newer revision must not be taken. Only the
    lookup changes; registration still numbers after the highest revision, active or not,
    as AWS does.
    """
    from moto.ecs.exceptions import TaskDefinitionNotFoundException
    from moto.ecs.models import EC2ContainerServiceBackend, TaskDefinition

    original = EC2ContainerServiceBackend.describe_task_definition

    def describe_task_definition(self: EC2ContainerServiceBackend, task_definition_str: str) -> TaskDefinition:
        name = task_definition_str.rsplit("/", maxsplit=1)[-1]
        if ":" in name:
            return original(self, task_definition_str)
        revisions = self.task_definitions.get(name, {})
        active = [number for number, revision in revisions.items() if revision.status == "ACTIVE"]
        if not active:
            raise TaskDefinitionNotFoundException()
        return revisions[max(active)]

    setattr(EC2ContainerServiceBackend, "describe_task_definition", describe_task_definition)


@patch("ecs", "UpdateService", "DescribeServices")
def update_service_resolves_task_definition() -> None:
    """UpdateService with a `taskDefinition` (family, family:revision or ARN) stores the
    revision's full ARN, on the service and on its primary deployment, and DescribeServices
    reports it as AWS does; moto stored the string as sent and left the old ARN in the
    deployment.

    The pipeline's ECS deploy action and Terraform both point the service at a new
    revision, and the provider reads the service's ARN back (it splits it to compare with
    the configuration).
    """
    from moto.ecs.models import EC2ContainerServiceBackend, Service

    original = EC2ContainerServiceBackend.update_service

    def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Service:
        wanted = service_properties.get("task_definition")  # read before moto pops it
        service = original(self, service_properties)
        if wanted:
            arn = self.describe_task_definition(wanted).arn
            service.task_definition = arn
            if service.deployments:
                service.deployments[0]["taskDefinition"] = arn
        return service

    setattr(EC2ContainerServiceBackend, "update_service", update_service)


# How long a deployment of the emulator takes to roll out (ECS: minutes; here a short delay,
# so a deploy sees IN_PROGRESS, then COMPLETED, as on AWS).
ROLLOUT_SECONDS = 3.0
# The failed tasks a failed rollout reports (ECS trips the breaker after a few).
FAILED_TASKS = 3
_ROLLOUTS = "_dailydesk_rollouts"  # service attribute: deployment id -> _Rollout


def _no_rollout_faults(action: str, task_definition_arn: str) -> str | None:
    return None


# The fault switch's lookup (tools/emulator/faults.py `Switch.failing_rollout`, wired by the
# server): the reason the deployment of this revision fails, or None. No faults: none fails.
_ROLLOUT_FAULTS: dict[str, Callable[[str, str], str | None]] = {"lookup": _no_rollout_faults}


def set_rollout_faults(lookup: Callable[[str, str], str | None]) -> None:
    _ROLLOUT_FAULTS["lookup"] = lookup


@dataclass
class _Rollout:
    due: float  # time.monotonic() when it ends
    failure: str | None  # the reason it fails, or None: it completes
    done: bool = False


def _service_name(service: Any) -> str:
    return f"(service {service.name})"


def _event(service: Any, message: str) -> None:
    """A service event, newest first, as DescribeServices lists them."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    service.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": utcnow(), "message": message})


def _start_deployment(service: Any, action: str, deployment: dict[str, Any]) -> None:
    """The deployment is IN_PROGRESS and rolls out (or fails) ROLLOUT_SECONDS from now."""
    deployment.update(
        rolloutState="IN_PROGRESS",
        rolloutStateReason=f"ECS deployment {deployment['id']} in progress.",
        runningCount=0,
        pendingCount=service.desired_count,
        failedTasks=0,
        desiredCount=service.desired_count,
    )
    rollouts = getattr(service, _ROLLOUTS, None)
    if rollouts is None:
        rollouts = {}
        setattr(service, _ROLLOUTS, rollouts)
    rollouts[deployment["id"]] = _Rollout(
        time.monotonic() + ROLLOUT_SECONDS, _ROLLOUT_FAULTS["lookup"](action, deployment["taskDefinition"])
    )


def _rolls_back(service: Any) -> bool:
    breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
    return bool(breaker.get("enable") and breaker.get("rollback"))


def _advance(service: Any) -> None:
    """Finish the deployments whose time has come: COMPLETED (the older deployments are
    drained and go), or FAILED and, with the circuit breaker's rollback, a new deployment of
    the last completed one's task definition."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    rollouts: dict[str, _Rollout] = getattr(service, _ROLLOUTS, {})
    now = time.monotonic()
    for deployment in list(service.deployments):
        rollout = rollouts.get(deployment["id"])
        if rollout is None or rollout.done or now < rollout.due:
            continue
        rollout.done = True
        deployment["updatedAt"] = utcnow()
        if rollout.failure is None:
            deployment.update(
                rolloutState="COMPLETED",
                rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
                runningCount=service.desired_count,
                pendingCount=0,
            )
            if deployment["status"] == "PRIMARY":
                failed = [d for d in service.deployments if d.get("rolloutState") == "FAILED"]
                service.deployments = [deployment, *failed]
                service.running_count, service.pending_count = service.desired_count, 0
                _event(service, f"{_service_name(service)} has reached a steady state.")
            continue
        deployment.update(
            rolloutState="FAILED",
            rolloutStateReason=rollout.failure,
            runningCount=0,
            pendingCount=0,
            failedTasks=FAILED_TASKS,
        )
        _event(service, f"{_service_name(service)} (deployment {deployment['id']}) failed: {rollout.failure}")
        previous = next(
            (d for d in service.deployments if d is not deployment and d.get("rolloutState") == "COMPLETED"), None
        )
        if deployment["status"] != "PRIMARY" or previous is None or not _rolls_back(service):
            continue
        rollback = {
            **previous,
            "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
            "status": "PRIMARY",
            "createdAt": utcnow(),
            "updatedAt": utcnow(),
        }
        deployment["status"] = "ACTIVE"
        service.task_definition = previous["taskDefinition"]
        service.deployments = [rollback, deployment]
        _event(service, f"{_service_name(service)} rolling back to deployment {rollback['id']}.")
        rollouts[rollback["id"]] = _Rollout(now + ROLLOUT_SECONDS, None)
        rollback.update(rolloutState="IN_PROGRESS", rolloutStateReason=f"ECS deployment {rollback['id']} in progress.")


@patch("ecs", "CreateService", "UpdateService", "DescribeServices")
def deployments_roll_out() -> None:
    """Deployments roll out as on AWS: a CreateService, or an UpdateService with another task
    definition (or `forceNewDeployment`), starts a PRIMARY deployment with `rolloutState`
    IN_PROGRESS (the previous one stays, ACTIVE) that is COMPLETED after ROLLOUT_SECONDS, the
    older deployments then drained. A revision the fault switch names (`rollout_fails`) ends
    FAILED with the circuit breaker's reason, and with the breaker's rollback on, ECS starts a
    new PRIMARY deployment of the last COMPLETED deployment's task definition: the service
    runs the previous revision again, and the failed deployment stays listed (ACTIVE, FAILED)
    beside it. DescribeServices reports each deployment's state and reason, and service
    events say what happened. moto made one deployment per service, COMPLETED or
    IN_PROGRESS forever (by `MOTO_ECS_SERVICE_RUNNING`), and changed it in place on update.

    The deploy engine verifies that the deployment of the task definition it applied reaches
    COMPLETED (tools/deploy/watch.py), and the emulator tests make one fail.
    """
    from moto.ecs.models import EC2ContainerServiceBackend, Service

    original_create = EC2ContainerServiceBackend.create_service
    original_update = EC2ContainerServiceBackend.update_service
    original_describe = EC2ContainerServiceBackend.describe_services

    def create_service(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Service:
        service = original_create(self, *args, **kwargs)
        if service.deployments:
            _start_deployment(service, "CreateService", service.deployments[0])
        return service

    def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Service:
        service = self._get_service(service_properties.get("cluster", "default"), service_properties["service"])
        _advance(service)
        before = [dict(d) for d in service.deployments]
        forced = bool(service_properties.get("force_new_deployment"))
        service = original_update(self, service_properties)
        if not before or (service.task_definition == before[0]["taskDefinition"] and not forced):
            service.deployments = before  # nothing to roll out
            return service
        from moto.core.utils import utcnow
        from moto.moto_api._internal import mock_random

        new = {
            **before[0],
            "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "createdAt": utcnow(),
            "updatedAt": utcnow(),
        }
        # The failed ones of an earlier rollout are gone once another deployment starts.
        older = [{**d, "status": "ACTIVE"} for d in before if d.get("rolloutState") != "FAILED"]
        service.deployments = [new, *older]
        _start_deployment(service, "UpdateService", new)
        return service

    def describe_services(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        services, failures = original_describe(self, *args, **kwargs)
        for service in services:
            _advance(service)
        return services, failures

    setattr(EC2ContainerServiceBackend, "create_service", create_service)
    setattr(EC2ContainerServiceBackend, "update_service", update_service)
    setattr(EC2ContainerServiceBackend, "describe_services", describe_services)
