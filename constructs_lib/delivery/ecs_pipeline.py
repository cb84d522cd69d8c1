"""The backend's `ecs-pipeline`: source, image build, database migrations, ECS deploy."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStage, CodepipelineStageAction
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from constructs_lib.backend.container_registry import PULL_ACTIONS, ContainerRegistry, image_pull
from constructs_lib.backend.service_network import ServiceNetwork, https_out
from constructs_lib.delivery.codebuild_project import BuildProject, EnvironmentVariable, ParameterRef, VpcPlacement
from constructs_lib.delivery.pipeline_parts import (
    COMMIT_ID_VARIABLE,
    SOURCE_ARTIFACT,
    SourcedPipeline,
    SourcedPipelineProps,
    codebuild_action,
)
from constructs_lib.shared.iam import allow, in_region

BUILD_BUILDSPEC = "backend-build.yml"
MIGRATIONS_BUILDSPEC = "backend-migrations.yml"
IMAGE_DEFINITIONS_FILE = "imagedefinitions.json"
IMAGE_ARTIFACT = "image"
DEFAULT_DEPLOY_TIMEOUT_MINUTES = 30
# The base image's pull, with the actions in the order its statement was first written
# (a reordering is a change of the policy in every plan).
NODE_IMAGE_PULL_ACTIONS = tuple(sorted(PULL_ACTIONS))


@dataclass(frozen=True)
class DatabaseParameters:
    """The `rds/*` catalogue parameters the migrations connect with."""

    host: ParameterRef
    port: ParameterRef
    name: ParameterRef
    username: ParameterRef
    password: ParameterRef

    def variables(self) -> tuple[EnvironmentVariable, ...]:
        return (
            self.host.variable("DB_HOST"),
            self.port.variable("DB_PORT"),
            self.name.variable("DB_NAME"),
            self.username.variable("DB_USERNAME"),
            self.password.variable("DB_PASSWORD"),
        )


@dataclass(frozen=True)
class EcsPipelineProps(SourcedPipelineProps):
    # Build: the Node base image and the backend's ECR repository.
    node_repository: ParameterRef
    node_image_tag: ParameterRef
    node_repository_arn: str
    # The backend's repository, which the build pushes to.
    registry: ContainerRegistry
    # Migrations: the API's network (its VPC, private subnets and the external RDS group).
    network: ServiceNetwork
    database: DatabaseParameters
    parameter_key_arns: tuple[str, ...]
    # Deploy: the service, and the only roles the pipeline may pass to a new task definition.
    cluster_name: str
    service_name: str
    container_name: str
    task_family: str
    task_role_arns: tuple[str, ...]
    deploy_timeout_minutes: int = DEFAULT_DEPLOY_TIMEOUT_MINUTES


class EcsPipeline(SourcedPipeline):
    """Creates the CodePipeline V2 `ecs-pipeline` (`pipeline`) with its role (`role`) and
    stages Source -> Build -> Migrate -> Deploy:

    - Source: `repository`@`branch` through the CodeStar connection `connection_arn`;
    - Build: the `build` CodeBuild project (buildspecs/backend-build.yml) builds the image
      on `ecr/node-repository:ecr/node-image-tag`, tags it with the commit, pushes it to
      `registry` and emits imagedefinitions.json;
    - Migrate: the `migrations` project (buildspecs/backend-migrations.yml) runs in the
      network's private subnets with its own security group (`migrations_security_group`,
      egress to the RDS group on its port and to HTTPS only), with the `rds/*` parameters;
    - Deploy: the ECS action onto `service_name` in `cluster_name`.

    Expects the artifact bucket, the ECS service and the task roles to exist, and the
    caller to admit `migrations_security_group` into the RDS security group (the network
    owns that group's rules: `ServiceNetwork.allow_into_rds`).
    """

    def __init__(self, scope: Construct, id: str, *, props: EcsPipelineProps) -> None:
        super().__init__(scope, id, props=props)
        self._define_build(props)
        self._define_migrations(props)
        self._define_pipeline_role(props)
        self._define_stages(props)

    def _define_build(self, props: EcsPipelineProps) -> None:
        self.build = BuildProject(
            self,
            "build",
            props=self._project_props(
                props,
                "build",
                description=f"Builds and pushes the API image of {props.repository}",
                buildspec_file=BUILD_BUILDSPEC,
                # Docker-in-Docker needs a privileged build container.
                privileged_mode=True,
                environment_variables=(
                    props.node_repository.variable("NODE_REPOSITORY"),
                    props.node_image_tag.variable("NODE_IMAGE_TAG"),
                    EnvironmentVariable("REPOSITORY_URI", props.registry.repository.repository_url),
                    EnvironmentVariable("CONTAINER_NAME", props.container_name),
                ),
            ),
        )
        # After the project's own statements, in the order they were written by hand.
        props.registry.grant_push(self.build.role)
        self.build.role.add_statements(
            image_pull("PullNodeBaseImage", props.node_repository_arn, NODE_IMAGE_PULL_ACTIONS)
        )

    def _define_migrations(self, props: EcsPipelineProps) -> None:
        name = props.context.namer.name(props.pipeline, "migrations")
        network = props.network
        self.migrations_security_group = SecurityGroup(
            self,
            "migrations-sg",
            name=name,
            description="Database migrations of the ecs-pipeline: out to RDS and HTTPS only",
            vpc_id=network.vpc_id,
            tags={"Name": name},
        )
        sg_id = self.migrations_security_group.id
        # The group's rules are the pipeline's own: created in its scope.
        self.migrations_to_database = network.allow_to(
            "migrations-to-database",
            group_id=sg_id,
            destination_group_id=network.rds_security_group_id,
            port=network.rds_port,
            description="PostgreSQL on the external RDS",
            scope=self,
        )
        # The migrations reach, over HTTPS, AWS APIs and the npm registry.
        self.migrations_to_https = https_out(
            self,
            "migrations-to-https",
            security_group_id=sg_id,
            description="HTTPS: source artifact, SSM, logs, npm registry",
        )
        self.migrations = BuildProject(
            self,
            "migrations",
            props=self._project_props(
                props,
                "migrations",
                description=f"Runs the database migrations of {props.repository} before each deploy",
                buildspec_file=MIGRATIONS_BUILDSPEC,
                environment_variables=props.database.variables(),
                parameter_key_arns=props.parameter_key_arns,
                vpc=VpcPlacement(
                    vpc_id=network.vpc_id,
                    subnet_ids=tuple(network.private_subnet_ids),
                    security_group_ids=(sg_id,),
                    subnet_arns=tuple(props.context.arn("ec2", f"subnet/{s}") for s in network.private_subnet_ids),
                ),
            ),
        )

    def _define_pipeline_role(self, props: EcsPipelineProps) -> None:
        """What CodePipeline's ECS deploy action does: read the task definition the service
        runs, register it again with the new image (tagged, passing the task roles), point
        the service at it and watch the deployment."""
        arn = props.context.arn
        cluster_arn = arn("ecs", f"cluster/{props.cluster_name}")
        revisions = arn("ecs", f"task-definition/{props.task_family}:*")
        deploy_statements = [
            allow(
                "UpdateService",
                ["ecs:DescribeServices", "ecs:UpdateService"],
                [arn("ecs", f"service/{props.cluster_name}/{props.service_name}")],
            ),
            # DescribeTaskDefinition has no resource-level permissions: this region only.
            allow("ReadTaskDefinitions", ["ecs:DescribeTaskDefinition"], ["*"], [in_region(props.context.region)]),
            allow("RegisterOwnTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:TagResource"], [revisions]),
            allow(
                "WatchDeploymentTasks",
                ["ecs:DescribeTasks"],
                [arn("ecs", f"task/{props.cluster_name}/*")],
                [("ArnEquals", "ecs:cluster", [cluster_arn])],
            ),
            # ListTasks is authorized on container instances, which Fargate has none of: any,
            # in this cluster only.
            allow("ListDeploymentTasks", ["ecs:ListTasks"], ["*"], [("ArnEquals", "ecs:cluster", [cluster_arn])]),
            allow(
                "PassTaskRoles",
                ["iam:PassRole"],
                list(props.task_role_arns),
                [("StringEquals", "iam:PassedToService", ["ecs-tasks.amazonaws.com"])],
            ),
        ]
        self._define_role(props, [self.build.arn, self.migrations.arn], deploy_statements)

    def _define_stages(self, props: EcsPipelineProps) -> None:
        self._define_pipeline(
            props,
            [
                CodepipelineStage(
                    name="Build",
                    action=[
                        codebuild_action(
                            "Image",
                            self.build.name,
                            inputs=[SOURCE_ARTIFACT],
                            outputs=[IMAGE_ARTIFACT],
                            variables={"COMMIT_ID": COMMIT_ID_VARIABLE},
                        )
                    ],
                ),
                CodepipelineStage(
                    name="Migrate",
                    action=[codebuild_action("Migrations", self.migrations.name, inputs=[SOURCE_ARTIFACT])],
                ),
                CodepipelineStage(
                    name="Deploy",
                    action=[
                        CodepipelineStageAction(
                            name="Service",
                            category="Deploy",
                            owner="AWS",
                            provider="ECS",
                            version="1",
                            input_artifacts=[IMAGE_ARTIFACT],
                            configuration={
                                "ClusterName": props.cluster_name,
                                "ServiceName": props.service_name,
                                "FileName": IMAGE_DEFINITIONS_FILE,
                                "DeploymentTimeout": str(props.deploy_timeout_minutes),
                            },
                        )
                    ],
                ),
            ],
        )
