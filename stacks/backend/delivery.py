"""The ecs-pipeline -> API: source, image build, migrations against RDS, deploy onto the
service; its state changes, and the frontend pipeline's, reach the deployment topic."""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.delivery import deployment_notifications as notifications
from constructs_lib.delivery.codebuild_project import ParameterRef
from constructs_lib.delivery.ecs_pipeline import DatabaseParameters, EcsPipeline, EcsPipelineProps
from constructs_lib.shared.artifact_bucket import ArtifactBucket
from stacks.backend.api import Api
from stacks.base import WorkspaceStack, pipeline_artifacts, pipeline_notification
from workspace import catalogue
from workspace.outputs import ParentOutputs


@dataclass(frozen=True)
class Delivery:
    artifacts: ArtifactBucket
    pipeline: EcsPipeline
    deployment_topic: notifications.DeploymentTopic


def compose_delivery(stack: WorkspaceStack, parent: ParentOutputs, api: Api) -> Delivery:
    config, namer = stack.config, stack.namer

    def parameter(spec_name: str) -> ParameterRef:
        return ParameterRef(namer.parameter(spec_name), parent.parameter_arn(spec_name))

    artifacts = pipeline_artifacts(stack, "pipeline-artifacts", catalogue.BACKEND_PIPELINE)
    pipeline = EcsPipeline(
        stack,
        "pipeline",
        props=EcsPipelineProps(
            context=stack.context,
            pipeline=catalogue.BACKEND_PIPELINE,
            artifact_bucket=artifacts,
            connection_arn=config.pipelines.connection_arn,
            repository=config.pipelines.backend_repository,
            branch=config.pipelines.backend_branch,
            node_repository=parameter("ecr/node-repository"),
            node_image_tag=parameter("ecr/node-image-tag"),
            node_repository_arn=config.node_image_repository_arn,
            registry=api.registry,
            network=api.network,
            database=DatabaseParameters(
                host=parameter("rds/host"),
                port=parameter("rds/port"),
                name=parameter("rds/dailydesk/name"),
                username=parameter("rds/username"),
                password=parameter("rds/password"),
            ),
            parameter_key_arns=(parent.string("parameters_kms_key_arn"),),
            cluster_name=api.service.cluster_name,
            service_name=api.service.service_name,
            container_name=api.service.container_name,
            task_family=api.service.family,
            task_role_arns=(api.roles.execution_role.arn, api.roles.task_role.arn),
            log_retention_days=config.logs.retention_days,
            log_key_arn=api.logs_key.arn,
        ),
    )
    api.network.allow_into_rds(
        "database-from-migrations",
        pipeline.migrations_security_group.id,
        "PostgreSQL from the ecs-pipeline's migrations",
    )
    topic = notifications.DeploymentTopic(
        stack,
        "deployment-topic",
        props=notifications.DeploymentTopicProps(
            context=stack.context,
            topic_name=parent.string("deployment_topic_name"),
            key_alias=namer.name("deployments"),
            publisher_rule_arns=tuple(
                catalogue.pipeline_notification_rule_arn(config, namer, name) for name in catalogue.PIPELINES
            ),
        ),
    )
    pipeline_notification(stack, "pipeline-notifications", catalogue.BACKEND_PIPELINE, pipeline.name, topic.arn)
    return Delivery(artifacts, pipeline, topic)
