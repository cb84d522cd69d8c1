"""ECS: services keep the settings they were created with."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
