"""Pieces both pipelines share: the props every CodeStar-sourced pipeline takes, the base
construct that names it, builds its projects' props, its role and the pipeline itself, and
the source action, CodeBuild actions, artifact store and role statements they are made of.
Each pipeline module states only its own projects, extra role statements and stages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.codepipeline import (
    Codepipeline,
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStage,
    CodepipelineStageAction,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from constructs import Construct

from constructs_lib.delivery.codebuild_project import BuildProjectProps
from constructs_lib.shared.artifact_bucket import ArtifactBucket
from constructs_lib.shared.iam import allow, service_role
from workspace.context import AwsContext
from workspace.naming import MAX_IAM_ROLE_NAME

PIPELINE_SERVICE = "codepipeline.amazonaws.com"

SOURCE_NAMESPACE = "SourceVariables"
SOURCE_ARTIFACT = "source"
# The commit of the running execution, for builds that tag or label with it.
COMMIT_ID_VARIABLE = f"#{{{SOURCE_NAMESPACE}.CommitId}}"


def source_action(connection_arn: str, repository: str, branch: str) -> CodepipelineStageAction:
    """The CodeStar-connection source action (output `source`, variables in `SourceVariables`)."""
    return CodepipelineStageAction(
        name="Source",
        category="Source",
        owner="AWS",
        provider="CodeStarSourceConnection",
        version="1",
        output_artifacts=[SOURCE_ARTIFACT],
        namespace=SOURCE_NAMESPACE,
        configuration={
            "ConnectionArn": connection_arn,
            "FullRepositoryId": repository,
            "BranchName": branch,
            "OutputArtifactFormat": "CODE_ZIP",
            "DetectChanges": "true",
        },
    )


def codebuild_action(
    name: str,
    project_name: str,
    inputs: list[str],
    outputs: list[str] | None = None,
    variables: dict[str, str] | None = None,
) -> CodepipelineStageAction:
    """A CodeBuild action; `variables` become PLAINTEXT build variables of this execution."""
    configuration = {"ProjectName": project_name}
    if variables:
        # The action's configuration is a string map; CodePipeline expects this one as JSON.
        configuration["EnvironmentVariables"] = json.dumps(
            [{"name": key, "value": value, "type": "PLAINTEXT"} for key, value in variables.items()]
        )
    return CodepipelineStageAction(
        name=name,
        category="Build",
        owner="AWS",
        provider="CodeBuild",
        version="1",
        input_artifacts=inputs,
        output_artifacts=outputs,
        configuration=configuration,
    )


def artifact_store(bucket: ArtifactBucket) -> CodepipelineArtifactStore:
    return CodepipelineArtifactStore(
        location=bucket.name,
        type="S3",
        encryption_key=CodepipelineArtifactStoreEncryptionKey(id=bucket.key.arn, type="KMS"),
    )


@dataclass(frozen=True)
class SourcedPipelineProps:
    """What every CodeStar-sourced pipeline takes; each pipeline's props add their own."""

    context: AwsContext
    # The pipeline's name after `<project>-<env>-` (its projects and roles are named after it).
    pipeline: str
    artifact_bucket: ArtifactBucket
    # Source: a CodeStar connection approved by hand in the console; never created here.
    connection_arn: str
    repository: str
    branch: str
    log_retention_days: int
    # The KMS key of the projects' log groups.
    log_key_arn: str


class SourcedPipeline(Construct):
    """Base of a CodePipeline V2 named `context.namer.name(pipeline)` (`name`) whose first stage
    is the CodeStar source. A subclass creates its CodeBuild projects
    from `_project_props`, then calls `_define_role` (`role`, a `ServiceRole`) and
    `_define_pipeline` (`pipeline`) with its own stages. Every block is
    created in the subclass's own scope, so Terraform addresses are the subclass's.
    """

    def __init__(self, scope: Construct, id: str, *, props: SourcedPipelineProps) -> None:
        super().__init__(scope, id)
        self.name = props.context.namer.name(props.pipeline)

    def _project_props(self, props: SourcedPipelineProps, part: str, **kwargs: Any) -> BuildProjectProps:
        """Props of the project `<pipeline>-<part>` (its role has the same name) on the
        pipeline's artifact bucket and key; `kwargs` say what the build does."""
        name = props.context.namer.name(props.pipeline, part, max_len=MAX_IAM_ROLE_NAME)
        return BuildProjectProps(
            context=props.context,
            name=name,
            role_name=name,
            artifact_bucket=props.artifact_bucket,
            log_retention_days=props.log_retention_days,
            log_key_arn=props.log_key_arn,
            **kwargs,
        )

    def _define_role(
        self,
        props: SourcedPipelineProps,
        project_arns: list[str],
        statements: Sequence[DataAwsIamPolicyDocumentStatement] = (),
    ) -> None:
        """The pipeline's role (`role`): its artifact store, its source connection, running
        `project_arns`, then `statements`."""
        connection_service = props.connection_arn.split(":")[2]  # codestar-connections or codeconnections
        self.role = service_role(
            self,
            "role",
            name=props.context.namer.name(props.pipeline, max_len=MAX_IAM_ROLE_NAME),
            service=PIPELINE_SERVICE,
            account_id=props.context.account_id,
            permissions_boundary=props.context.permissions_boundary_arn,
            source_arns=(props.context.arn("codepipeline", self.name),),
            policy_name="pipeline",
        )
        props.artifact_bucket.grant_artifact_store(self.role)
        self.role.add_statements(
            allow("UseSourceConnection", [f"{connection_service}:UseConnection"], [props.connection_arn]),
            allow("RunOwnBuilds", ["codebuild:BatchGetBuilds", "codebuild:StartBuild"], project_arns),
            *statements,
        )

    def _define_pipeline(self, props: SourcedPipelineProps, stages: list[CodepipelineStage]) -> None:
        """The pipeline: the Source stage, then `stages`; created after the role's policy."""
        self.pipeline = Codepipeline(
            self,
            "pipeline",
            name=self.name,
            pipeline_type="V2",
            role_arn=self.role.arn,
            artifact_store=[artifact_store(props.artifact_bucket)],
            stage=[
                CodepipelineStage(
                    name="Source", action=[source_action(props.connection_arn, props.repository, props.branch)]
                ),
                *stages,
            ],
            depends_on=[self.role.policy],
        )
