"""The API on ECS Fargate: cluster, task definition, service and its auto scaling.

Who owns what (the rule that keeps Terraform and the delivery pipeline from fighting):
Terraform owns the task definition's *shape* (size, roles, environment, secrets, logging);
the pipeline owns the *image* (its ECS deploy action copies the revision the service runs
with a new image); auto scaling owns the running *count*. So Terraform's container
definition takes its image from the family's latest ACTIVE revision (the pipeline's last
deployment; the bootstrap image before the first deploy), the task definition tracks
that latest revision (`track_latest`), and the service follows Terraform's task
definition: a plan after a pipeline run is empty, and a shape change registers a revision
with the new shape and the deployed image and rolls the service onto it. Revisions are
never deregistered (`skip_destroy`), so a rollback to any of them stays possible. The
service ignores only `SERVICE_IGNORE_CHANGES`. See docs/architecture.md, "Terraform and
the pipeline share the task definition".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import Fn, ITerraformDependable, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.data_aws_ecs_clusters import DataAwsEcsClusters
from cdktf_cdktf_provider_aws.data_aws_ecs_container_definition import DataAwsEcsContainerDefinition
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

from workspace.context import AwsContext

# Auto scaling sets the count. The task definition is not ignored: Terraform's revision
# carries the deployed image, so following it never rolls the image back.
SERVICE_IGNORE_CHANGES: tuple[str, ...] = ("desired_count",)

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
    context: AwsContext
    # What the service runs until the pipeline's first deployment.
    bootstrap_image: str
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


def container_definitions(props: FargateServiceProps, image: str) -> list[dict[str, Any]]:
    """The one container of the task (ECS container-definition JSON)."""
    return [
        {
            "name": props.container_name,
            "image": image,
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
                    "awslogs-region": props.context.region,
                    "awslogs-stream-prefix": DEFAULT_LOG_STREAM_PREFIX,
                },
            },
        }
    ]


class FargateService(Construct):
    """Creates the ECS cluster (Container Insights on), the Fargate task definition (tracks
    the family's latest revision, never deregisters one), the service (private subnets, no
    public IP, in the ALB target group, circuit breaker with rollback, rolling deployment
    100/200 %, health-check grace) and its auto scaling (a scalable target and
    target-tracking policies on CPU and memory). Reads the cluster list and, once the
    cluster exists, the `container_name` container of the family's latest ACTIVE revision
    (the deployed image).

    Expects the roles, the log group, the service security group and a target group that a
    listener already uses. Exposes `cluster`, `task_definition`, `service`, `clusters`,
    `deployed_container`, `image` (the expression the container definition uses),
    `scaling_target`, `cpu_policy`, `memory_policy`, and the names `cluster_name`,
    `service_name`, `family`, `container_name`.
    """

    def __init__(self, scope: Construct, id: str, *, props: FargateServiceProps) -> None:
        super().__init__(scope, id)
        self._props = props
        namer = props.context.namer
        self.container_name = props.container_name
        # The names as plain strings: a data source reading them (the pipeline's policy)
        # would otherwise be read only at apply whenever a shape change updates the service.
        self.family = self.service_name = namer.name("api")
        self.cluster_name = namer.name("cluster")
        self._define_deployed_image()
        self._define_task_definition()
        self._define_cluster()
        self._define_service()
        self._define_auto_scaling()

    def _define_deployed_image(self) -> None:
        """The image of the family's latest ACTIVE revision (the pipeline's last deployment),
        or `bootstrap_image` while the family has none."""
        p = self._props
        cluster_arn = p.context.arn("ecs", f"cluster/{self.cluster_name}")
        # ListClusters never fails; DescribeTaskDefinition of a family that has no revision
        # does (the first deploy). The cluster is created after the task definition (below),
        # so "the cluster is listed" means "the family has a revision to read". The provider
        # answers null, not an empty list, in an account without clusters.
        self.clusters = DataAwsEcsClusters(self, "clusters")
        listed = Fn.coalesce([self.clusters.cluster_arns, []])
        # The family by name, not by reference: a data source depending on a resource with
        # pending changes would be read only at apply, leaving the image unknown in the plan.
        self.deployed_container = DataAwsEcsContainerDefinition(
            self,
            "deployed-container",
            task_definition=self.family,
            container_name=p.container_name,
            count=Token.as_number(Fn.conditional(Fn.contains(listed, cluster_arn), 1, 0)),
        )
        self.image = Fn.coalesce([Fn.one(Fn.lookup_nested(self.deployed_container, ["*", "image"])), p.bootstrap_image])

    def _define_task_definition(self) -> None:
        p = self._props
        self.task_definition = EcsTaskDefinition(
            self,
            "task-definition",
            family=self.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(p.cpu),
            memory=str(p.memory),
            execution_role_arn=p.execution_role_arn,
            task_role_arn=p.task_role_arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture=DEFAULT_CPU_ARCHITECTURE
            ),
            container_definitions=json.dumps(container_definitions(p, self.image)),
            # Read the family's latest ACTIVE revision (the pipeline's), not the one
            # Terraform registered, so the plan after a pipeline deployment is empty.
            track_latest=True,
            # Replacing or destroying never deregisters: rollback targets stay.
            skip_destroy=True,
        )

    def _define_cluster(self) -> None:
        """Container Insights on; created after the task definition, so that a listed cluster
        means the family has a revision to read (`_define_deployed_image`)."""
        self.cluster = EcsCluster(
            self,
            "cluster",
            name=self.cluster_name,
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
            depends_on=[self.task_definition],
        )

    def _define_service(self) -> None:
        p = self._props
        self.service = EcsService(
            self,
            "service",
            name=self.service_name,
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

    def _define_auto_scaling(self) -> None:
        """A scalable target and a target-tracking policy on CPU and on memory."""
        p = self._props
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
            name=self._props.context.namer.name("api", id, "tracking"),
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
