"""ECS: services keep the settings they were created with; task definitions are found and
reported as AWS does."""

from __future__ import annotations

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
