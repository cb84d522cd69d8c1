"""The API on ECS Fargate: cluster, task definition, service and its auto scaling.

Who owns what (the one rule that keeps Terraform and the delivery pipeline from fighting):
Terraform owns the task definition's *shape* (size, roles, environment, secrets, logging)
and registers it with a bootstrap image; the pipeline owns the *image* and registers the
revisions the service runs; auto scaling owns the running *count*. So the service ignores
exactly `SERVICE_IGNORE_CHANGES`, and a later `terraform apply` never rolls a deployed
image (or a scaled-out count) back. See docs/architecture.md, "Backend".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceDeploymentController,
    EcsServiceLoadBalancer,
    EcsServiceNetworkConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition, EcsTaskDefinitionRuntimePlatform
from constructs import Construct

from workspace.naming import Namer

# The pipeline registers task-definition revisions; auto scaling sets the count.
SERVICE_IGNORE_CHANGES: tuple[str, ...] = ("task_definition", "desired_count")

DEFAULT_CONTAINER_NAME = "api"
# Deploy by adding new tasks before stopping old ones: never below the desired count.
DEFAULT_MIN_HEALTHY_PERCENT = 100
DEFAULT_MAX_PERCENT = 200
DEFAULT_SCALE_IN_COOLDOWN = 300
DEFAULT_SCALE_OUT_COOLDOWN = 60
DEFAULT_CPU_ARCHITECTURE = "X86_64"
DEFAULT_LOG_STREAM_PREFIX = "container"


@dataclass(frozen=True)
class FargateServiceProps:
    namer: Namer
    region: str
    image: str
    cpu: int
    memory: int
    desired_count: int
    container_port: int
    health_check_grace_seconds: int
    min_capacity: int
    max_capacity: int
    cpu_target_percent: int
    memory_target_percent: int
    execution_role_arn: str
    task_role_arn: str
    log_group_name: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    target_group_arn: str
    # (name, value) pairs: plain, non-secret settings.
    environment: tuple[tuple[str, str], ...]
    # (name, ARN) pairs: injected by the ECS agent at start; never values.
    secrets: tuple[tuple[str, str], ...]
    # The listener that attaches the target group to the ALB (ECS refuses an unattached one).
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    container_name: str = DEFAULT_CONTAINER_NAME


def container_definitions(props: FargateServiceProps) -> list[dict[str, Any]]:
    """The one container of the task (ECS container-definition JSON)."""
    return [
        {
            "name": props.container_name,
            "image": props.image,
            "essential": True,
            "portMappings": [
                {"containerPort": props.container_port, "hostPort": props.container_port, "protocol": "tcp"}
            ],
            "environment": [{"name": name, "value": value} for name, value in sorted(props.environment)],
            "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(props.secrets)],
            "readonlyRootFilesystem": False,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": props.log_group_name,
                    "awslogs-region": props.region,
                    "awslogs-stream-prefix": DEFAULT_LOG_STREAM_PREFIX,
                },
            },
        }
    ]


class FargateService(Construct):
    """Creates the ECS cluster (Container Insights on), the Fargate task definition, the
    service (private subnets, no public IP, in the ALB target group, circuit breaker with
    rollback, rolling deployment 100/200 %, health-check grace) and its auto scaling (a
    scalable target and target-tracking policies on CPU and memory).

    Expects the roles, the log group, the service security group and a target group that a
    listener already uses. Exposes `cluster`, `task_definition`, `service`,
    `scaling_target`, `cpu_policy`, `memory_policy`, `container_name`.
    """

    def __init__(self, scope: Construct, id: str, *, props: FargateServiceProps) -> None:
        super().__init__(scope, id)
        p = props
        self._namer = p.namer
        names = p.namer.name("api")
        self.container_name = p.container_name
        self.cluster = EcsCluster(
            self,
            "cluster",
            name=p.namer.name("cluster"),
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
        )
        self.task_definition = EcsTaskDefinition(
            self,
            "task-definition",
            family=names,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(p.cpu),
            memory=str(p.memory),
            execution_role_arn=p.execution_role_arn,
            task_role_arn=p.task_role_arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture=DEFAULT_CPU_ARCHITECTURE
            ),
            container_definitions=json.dumps(container_definitions(p)),
        )
        self.service = EcsService(
            self,
            "service",
            name=names,
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=p.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=list(p.subnet_ids), security_groups=[p.security_group_id], assign_public_ip=False
            ),
            load_balancer=[
                EcsServiceLoadBalancer(
                    target_group_arn=p.target_group_arn,
                    container_name=p.container_name,
                    container_port=p.container_port,
                )
            ],
            health_check_grace_period_seconds=p.health_check_grace_seconds,
            deployment_controller=EcsServiceDeploymentController(type="ECS"),
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            deployment_minimum_healthy_percent=DEFAULT_MIN_HEALTHY_PERCENT,
            deployment_maximum_percent=DEFAULT_MAX_PERCENT,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            depends_on=list(p.depends_on),
            lifecycle=TerraformResourceLifecycle(ignore_changes=list(SERVICE_IGNORE_CHANGES)),
        )
        self.scaling_target = AppautoscalingTarget(
            self,
            "scaling-target",
            service_namespace="ecs",
            resource_id=f"service/{self.cluster.name}/{self.service.name}",
            scalable_dimension="ecs:service:DesiredCount",
            min_capacity=p.min_capacity,
            max_capacity=p.max_capacity,
        )
        self.cpu_policy = self._tracking("cpu", "ECSServiceAverageCPUUtilization", p.cpu_target_percent)
        self.memory_policy = self._tracking("memory", "ECSServiceAverageMemoryUtilization", p.memory_target_percent)

    def _tracking(self, id: str, metric: str, target: int) -> AppautoscalingPolicy:
        return AppautoscalingPolicy(
            self,
            f"{id}-policy",
            name=self._namer.name("api", id, "tracking"),
            policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace,
            resource_id=self.scaling_target.resource_id,
            scalable_dimension=self.scaling_target.scalable_dimension,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=target,
                predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                    predefined_metric_type=metric
                ),
                scale_in_cooldown=DEFAULT_SCALE_IN_COOLDOWN,
                scale_out_cooldown=DEFAULT_SCALE_OUT_COOLDOWN,
            ),
        )
