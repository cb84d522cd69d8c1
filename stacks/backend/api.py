"""The API as the diagram draws it: internet -> ALB -> Fargate service -> Redis / RDS, with
its registry, logs, roles and settings. Each function composes one construct from the
environment's config and the handles of the steps before it."""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.backend.api_key_secret import ApiKeySecret, ApiKeySecretProps
from constructs_lib.backend.container_registry import ContainerRegistry, ContainerRegistryProps
from constructs_lib.backend.fargate_service import FargateService, FargateServiceProps
from constructs_lib.backend.load_balancer import LoadBalancer, LoadBalancerProps
from constructs_lib.backend.redis_cache import RedisCache, RedisCacheProps
from constructs_lib.backend.service_logs import ServiceLogs, ServiceLogsProps
from constructs_lib.backend.service_network import ServiceNetwork, ServiceNetworkProps
from constructs_lib.backend.task_roles import TaskRoles, TaskRolesProps
from constructs_lib.shared.encryption_key import EncryptionKey
from constructs_lib.shared.private_bucket import MAX_BUCKET_NAME
from stacks.backend.api_settings import ApiSettings, api_settings
from stacks.base import WorkspaceStack, logs_key
from workspace.catalogue import SECRETS_BY_NAME
from workspace.outputs import ParentOutputs

# The image of the first task definition, until the pipeline's first deployment; from then
# on the task definition carries the image the pipeline last deployed (see fargate_service).
# Nothing pushes this tag: until the pipeline has run, tasks fail to pull it.
BOOTSTRAP_IMAGE_TAG = "bootstrap"


@dataclass(frozen=True)
class Api:
    """The handles the other steps (jobs, delivery) and the outputs use."""

    network: ServiceNetwork
    registry: ContainerRegistry
    # The workspace's log-group key (the pipeline's projects log with it too).
    logs_key: EncryptionKey
    logs: ServiceLogs
    redis: RedisCache
    load_balancer: LoadBalancer
    api_keys: dict[str, ApiKeySecret]
    roles: TaskRoles
    service: FargateService


def compose_api(stack: WorkspaceStack, parent: ParentOutputs) -> Api:
    network = _network(stack)
    registry = _registry(stack, parent)
    key = logs_key(stack)
    logs = _logs(stack, parent, key)
    redis = _redis(stack, network)
    load_balancer = _load_balancer(stack, network)
    api_keys = {
        name: ApiKeySecret(stack, f"api-key-{name}", props=ApiKeySecretProps(secret_name=name, key=secret.key))
        for name, secret in SECRETS_BY_NAME.items()
    }
    settings = api_settings(
        parent=parent,
        region=stack.config.region,
        container_port=stack.config.fargate.container_port,
        redis_endpoint=redis.endpoint,
        redis_port=redis.port,
        api_keys=api_keys,
    )
    roles = _roles(stack, parent, registry, logs, settings)
    service = _service(
        stack,
        network=network,
        registry=registry,
        logs=logs,
        load_balancer=load_balancer,
        roles=roles,
        settings=settings,
    )
    return Api(network, registry, key, logs, redis, load_balancer, api_keys, roles, service)


def _network(stack: WorkspaceStack) -> ServiceNetwork:
    config = stack.config
    return ServiceNetwork(
        stack,
        "network",
        props=ServiceNetworkProps(
            context=stack.context,
            vpc_id=config.network.vpc_id,
            public_subnet_ids=config.network.public_subnet_ids,
            private_subnet_ids=config.network.private_subnet_ids,
            rds_security_group_id=config.rds.security_group_id,
            container_port=config.fargate.container_port,
            rds_port=config.rds.port,
        ),
    )


def _registry(stack: WorkspaceStack, parent: ParentOutputs) -> ContainerRegistry:
    config = stack.config
    return ContainerRegistry(
        stack,
        "registry",
        props=ContainerRegistryProps(
            context=stack.context, name=parent.string("ecr_repository_name"), keep_images=config.ecr.keep_images
        ),
    )


def _logs(stack: WorkspaceStack, parent: ParentOutputs, key: EncryptionKey) -> ServiceLogs:
    return ServiceLogs(
        stack,
        "logs",
        props=ServiceLogsProps(
            context=stack.context,
            group_name=parent.string("log_group_name"),
            stream_name=parent.string("log_stream_name"),
            retention_days=stack.config.logs.retention_days,
            kms_key_arn=key.arn,
        ),
    )


def _redis(stack: WorkspaceStack, network: ServiceNetwork) -> RedisCache:
    config = stack.config
    return RedisCache(
        stack,
        "redis",
        props=RedisCacheProps(
            context=stack.context,
            subnet_ids=config.network.private_subnet_ids,
            security_group_id=network.redis.id,
            node_type=config.redis.node_type,
            engine_version=config.redis.engine_version,
            cache_clusters=config.redis.cache_clusters,
            automatic_failover=config.redis.automatic_failover,
            snapshot_retention_days=config.redis.snapshot_retention_days,
        ),
    )


def _load_balancer(stack: WorkspaceStack, network: ServiceNetwork) -> LoadBalancer:
    config = stack.config
    return LoadBalancer(
        stack,
        "load-balancer",
        props=LoadBalancerProps(
            context=stack.context,
            vpc_id=config.network.vpc_id,
            public_subnet_ids=config.network.public_subnet_ids,
            security_group_id=network.alb.id,
            certificate_arn=config.certificate.arn,
            target_port=config.fargate.container_port,
            health_check_path=config.fargate.health_check_path,
            deletion_protection=config.load_balancer.deletion_protection,
            idle_timeout_seconds=config.load_balancer.idle_timeout_seconds,
            # Named with the account: bucket names are global.
            access_logs_bucket_name=stack.namer.name("api", "access-logs", config.account_id, max_len=MAX_BUCKET_NAME),
            # Kept as long as the environment keeps the API's own logs.
            access_logs_retention_days=config.logs.retention_days,
            access_logs_force_destroy=not stack.context.prevent_destroy,
        ),
    )


def _roles(
    stack: WorkspaceStack, parent: ParentOutputs, registry: ContainerRegistry, logs: ServiceLogs, settings: ApiSettings
) -> TaskRoles:
    return TaskRoles(
        stack,
        "task-roles",
        props=TaskRolesProps(
            context=stack.context,
            registry=registry,
            logs=logs,
            secret_parameter_arns=settings.secret_parameter_arns,
            parameter_prefix=parent.string("parameter_prefix"),
            parameters_kms_key_arn=parent.string("parameters_kms_key_arn"),
            secret_arns=tuple(parent.secret_arn_pattern(name) for name in sorted(SECRETS_BY_NAME)),
            sales_export_bucket=parent.parameter_value("s3/sales-export-bucket-name"),
        ),
    )


def _service(
    stack: WorkspaceStack,
    *,
    network: ServiceNetwork,
    registry: ContainerRegistry,
    logs: ServiceLogs,
    load_balancer: LoadBalancer,
    roles: TaskRoles,
    settings: ApiSettings,
) -> FargateService:
    config = stack.config
    fargate, scaling = config.fargate, config.fargate.auto_scaling
    return FargateService(
        stack,
        "api",
        props=FargateServiceProps(
            context=stack.context,
            bootstrap_image=f"{registry.repository.repository_url}:{BOOTSTRAP_IMAGE_TAG}",
            cpu=fargate.cpu,
            memory=fargate.memory,
            desired_count=fargate.desired_count,
            container_port=fargate.container_port,
            health_check_grace_seconds=fargate.health_check_grace_seconds,
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            cpu_target_percent=scaling.cpu_target_percent,
            memory_target_percent=scaling.memory_target_percent,
            execution_role_arn=roles.execution_role.arn,
            task_role_arn=roles.task_role.arn,
            log_group_name=logs.group.name,
            subnet_ids=config.network.private_subnet_ids,
            security_group_id=network.service.id,
            target_group_arn=load_balancer.target_group.arn,
            environment=settings.environment,
            secrets=settings.secrets,
            depends_on=(load_balancer.https_listener,),
        ),
    )
