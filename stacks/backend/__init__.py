"""`backend-<env>`: the API (ECS Fargate behind an ALB), Redis, the cron jobs, the ecs-pipeline.

Reads like the architecture diagram: internet -> ALB -> Fargate service -> Redis / RDS;
EventBridge -> API; the pipeline deploys onto the service. Names and ARNs of shared
things come from the parent's outputs, sizes and settings from the environment config.
"""

from __future__ import annotations

from constructs import Construct

from config.schema import EnvironmentConfig
from constructs_lib.delivery import ecs_pipeline, frontend_pipeline
from workspace import backend_contract
from constructs_lib.delivery import deployment_notifications as notifications
from constructs_lib.backend.api_key_secret import ApiKeySecret, ApiKeySecretProps
from constructs_lib.backend.api_settings import api_settings
from constructs_lib.delivery.codebuild_project import ParameterRef
from constructs_lib.backend.container_registry import ContainerRegistry, ContainerRegistryProps
from workspace.contracts import publish
from constructs_lib.delivery.ecs_pipeline import DatabaseParameters, EcsPipeline, EcsPipelineProps
from constructs_lib.backend.fargate_service import FargateService, FargateServiceProps
from constructs_lib.backend.load_balancer import LoadBalancer, LoadBalancerProps
from workspace.catalogue import SECRETS_BY_NAME
from workspace.parent_outputs import ParentOutputs
from constructs_lib.backend.redis_cache import RedisCache, RedisCacheProps
from constructs_lib.backend.scheduled_api_call import (
    ApiKeyConnection,
    ApiKeyConnectionProps,
    ScheduledApiCall,
    ScheduledApiCallProps,
)
from constructs_lib.backend.service_logs import ServiceLogs, ServiceLogsProps
from constructs_lib.backend.service_network import ServiceNetwork, ServiceNetworkProps
from constructs_lib.backend.task_roles import TaskRoles, TaskRolesProps
from stacks.delivery import pipeline_artifacts, pipeline_notification
from stacks.base import Workspace

# The task definition Terraform registers runs this tag of the API repository until the
# pipeline's first deployment; afterwards the pipeline owns the image (see fargate_service).
BOOTSTRAP_IMAGE_TAG = "bootstrap"


class BackendStack(Workspace):
    layer = "backend"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        self.parent = ParentOutputs(self, "parent", config=config, namer=self.namer)
        namer, parent, protect = self.namer, self.parent, config.protection.prevent_destroy

        self.network = ServiceNetwork(
            self,
            "network",
            props=ServiceNetworkProps(
                namer=namer,
                vpc_id=config.network.vpc_id,
                public_subnet_ids=config.network.public_subnet_ids,
                private_subnet_ids=config.network.private_subnet_ids,
                rds_security_group_id=config.rds.security_group_id,
                container_port=config.fargate.container_port,
                rds_port=config.rds.port,
            ),
        )
        self.registry = ContainerRegistry(
            self,
            "registry",
            props=ContainerRegistryProps(
                name=parent.string("ecr_repository_name"), keep_images=config.ecr.keep_images, prevent_destroy=protect
            ),
        )
        self.logs = ServiceLogs(
            self,
            "logs",
            props=ServiceLogsProps(
                group_name=parent.string("log_group_name"),
                stream_name=parent.string("log_stream_name"),
                retention_days=config.logs.retention_days,
                prevent_destroy=protect,
            ),
        )
        self.redis = RedisCache(
            self,
            "redis",
            props=RedisCacheProps(
                namer=namer,
                subnet_ids=config.network.private_subnet_ids,
                security_group_id=self.network.redis.id,
                node_type=config.redis.node_type,
                engine_version=config.redis.engine_version,
                cache_clusters=config.redis.cache_clusters,
                automatic_failover=config.redis.automatic_failover,
                snapshot_retention_days=config.redis.snapshot_retention_days,
                prevent_destroy=protect,
            ),
        )
        self.load_balancer = LoadBalancer(
            self,
            "load-balancer",
            props=LoadBalancerProps(
                namer=namer,
                vpc_id=config.network.vpc_id,
                public_subnet_ids=config.network.public_subnet_ids,
                security_group_id=self.network.alb.id,
                certificate_arn=config.certificate_arn,
                target_port=config.fargate.container_port,
                health_check_path=config.fargate.health_check_path,
                deletion_protection=config.load_balancer.deletion_protection,
                idle_timeout_seconds=config.load_balancer.idle_timeout_seconds,
                prevent_destroy=protect,
            ),
        )
        self.api_keys = {
            name: ApiKeySecret(self, f"api-key-{name}", props=ApiKeySecretProps(secret_name=name, key=secret.key))
            for name, secret in SECRETS_BY_NAME.items()
        }
        settings = api_settings(
            parent=parent,
            region=config.region,
            container_port=config.fargate.container_port,
            redis_endpoint=self.redis.endpoint,
            redis_port=self.redis.port,
            api_keys=self.api_keys,
        )
        self.roles = TaskRoles(
            self,
            "task-roles",
            props=TaskRolesProps(
                namer=namer,
                partition=config.partition,
                region=config.region,
                account_id=config.account_id,
                ecr_repository_arn=self.registry.repository.arn,
                log_group_arn=self.logs.group_arn,
                log_streams_arn=self.logs.streams_arn,
                app_log_stream_arn=self.logs.stream_arn,
                secret_parameter_arns=settings.secret_parameter_arns,
                parameter_prefix=parent.string("parameter_prefix"),
                parameters_kms_key_arn=parent.string("parameters_kms_key_arn"),
                secret_arns=tuple(parent.secret_arn_pattern(name) for name in sorted(SECRETS_BY_NAME)),
                sales_export_bucket=parent.parameter_value("s3/sales-export-bucket-name"),
            ),
        )
        scaling = config.fargate.auto_scaling
        self.api = FargateService(
            self,
            "api",
            props=FargateServiceProps(
                namer=namer,
                region=config.region,
                image=f"{self.registry.repository.repository_url}:{BOOTSTRAP_IMAGE_TAG}",
                cpu=config.fargate.cpu,
                memory=config.fargate.memory,
                desired_count=config.fargate.desired_count,
                container_port=config.fargate.container_port,
                health_check_grace_seconds=config.fargate.health_check_grace_seconds,
                min_capacity=scaling.min_capacity,
                max_capacity=scaling.max_capacity,
                cpu_target_percent=scaling.cpu_target_percent,
                memory_target_percent=scaling.memory_target_percent,
                execution_role_arn=self.roles.execution_role.arn,
                task_role_arn=self.roles.task_role.arn,
                log_group_name=self.logs.group.name,
                subnet_ids=config.network.private_subnet_ids,
                security_group_id=self.network.service.id,
                target_group_arn=self.load_balancer.target_group.arn,
                environment=settings.environment,
                secrets=settings.secrets,
                depends_on=(self.load_balancer.https_listener,),
            ),
        )

        # EventBridge -> API: one connection per API key, one scheduled call per job.
        used_secrets = sorted({job.secret for job in config.jobs})
        self.connections = {
            name: ApiKeyConnection(
                self,
                f"connection-{name}",
                props=ApiKeyConnectionProps(
                    name=namer.name(name),
                    secret=self.api_keys[name],
                    description=f"API key of the {name} secret, sent as {SECRETS_BY_NAME[name].key}",
                ),
            )
            for name in used_secrets
        }
        backend_url = parent.parameter_value("backend-url")
        self.jobs = {
            job.name: ScheduledApiCall(
                self,
                f"job-{job.name}",
                props=ScheduledApiCallProps(
                    namer=namer,
                    job_name=job.name,
                    schedule=job.schedule,
                    endpoint=f"{backend_url}{job.path}",
                    method=job.method,
                    connection_arn=self.connections[job.secret].connection.arn,
                ),
            )
            for job in config.jobs
        }

        # Handles the delivery pipeline (and operators) use.
        self.cluster = self.api.cluster
        self.service = self.api.service
        self.task_definition = self.api.task_definition
        self.ecr_repository = self.registry.repository
        self.execution_role = self.roles.execution_role
        self.task_role = self.roles.task_role
        self.vpc_id = self.network.vpc_id
        self.private_subnet_ids = self.network.private_subnet_ids
        self.rds_security_group_id = self.network.rds_security_group_id

        self._compose_delivery_pipeline(config)

        publish(
            self,
            backend_contract.BACKEND_CONTRACT,
            {
                "alb_dns_name": self.load_balancer.dns_name,
                "cluster_name": self.cluster.name,
                "service_name": self.service.name,
                "ecr_repository_url": self.ecr_repository.repository_url,
                "redis_endpoint": self.redis.endpoint,
                "schedule_rule_names": {name: job.rule.name for name, job in self.jobs.items()},
                "dead_letter_queue_urls": {name: job.dead_letter_queue.url for name, job in self.jobs.items()},
                "pipeline_name": self.pipeline.pipeline.name,
                "pipeline_artifact_bucket": self.pipeline_artifacts.bucket.bucket,
            },
        )

    # -------------------------------------------------------------------- delivery pipeline
    def _compose_delivery_pipeline(self, config: EnvironmentConfig) -> None:
        """Source -> image build -> migrations -> deploy onto the service; its state
        changes, and the frontend pipeline's, reach the deployment topic."""
        namer, parent, protect = self.namer, self.parent, config.protection.prevent_destroy

        def parameter(spec_name: str) -> ParameterRef:
            return ParameterRef(namer.parameter(spec_name), parent.parameter_arn(spec_name))

        self.pipeline_artifacts = pipeline_artifacts(self, "pipeline-artifacts", ecs_pipeline.PIPELINE_PART)
        self.pipeline = EcsPipeline(
            self,
            "pipeline",
            props=EcsPipelineProps(
                namer=namer,
                account_id=config.account_id,
                region=config.region,
                partition=config.partition,
                artifact_bucket=self.pipeline_artifacts,
                connection_arn=config.pipelines.connection_arn,
                repository=config.pipelines.backend_repository,
                branch=config.pipelines.backend_branch,
                node_repository=parameter("ecr/node-repository"),
                node_image_tag=parameter("ecr/node-image-tag"),
                node_repository_arn=config.node_image_repository_arn,
                ecr_repository_url=self.ecr_repository.repository_url,
                ecr_repository_arn=self.ecr_repository.arn,
                vpc_id=self.vpc_id,
                private_subnet_ids=tuple(config.network.private_subnet_ids),
                rds_security_group_id=self.rds_security_group_id,
                rds_port=config.rds.port,
                database=DatabaseParameters(
                    host=parameter("rds/host"),
                    port=parameter("rds/port"),
                    name=parameter("rds/dailydesk/name"),
                    username=parameter("rds/username"),
                    password=parameter("rds/password"),
                ),
                parameter_key_arns=(parent.string("parameters_kms_key_arn"),),
                cluster_name=self.cluster.name,
                service_name=self.service.name,
                container_name=self.api.container_name,
                task_family=self.task_definition.family,
                task_role_arns=(self.execution_role.arn, self.task_role.arn),
                log_retention_days=config.logs.retention_days,
                prevent_destroy=protect,
            ),
        )
        self.database_from_migrations = self.network.allow_into_rds(
            "database-from-migrations",
            self.pipeline.migrations_security_group.id,
            "PostgreSQL from the ecs-pipeline's migrations",
        )
        self.deployment_topic = notifications.DeploymentTopic(
            self,
            "deployment-topic",
            props=notifications.DeploymentTopicProps(
                topic_name=parent.string("deployment_topic_name"),
                key_alias=namer.name("deployments"),
                account_id=config.account_id,
                partition=config.partition,
                prevent_destroy=protect,
                publisher_rule_arns=tuple(
                    notifications.rule_arn(config, namer, part)
                    for part in (ecs_pipeline.PIPELINE_PART, frontend_pipeline.PIPELINE_PART)
                ),
            ),
        )
        self.pipeline_notifications = pipeline_notification(
            self, "pipeline-notifications", ecs_pipeline.PIPELINE_PART, self.pipeline.name, self.deployment_topic.arn
        )
