"""Pieces both pipelines share: the source action, CodeBuild actions, the artifact store,
the service trust policy and the pipeline role's artifact and connection statements."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.codepipeline import (
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStageAction,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from constructs_lib.artifact_bucket import ArtifactBucket

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


def service_trust(scope: Construct, id: str, service: str, account_id: str) -> DataAwsIamPolicyDocument:
    """Trust policy: `service` may assume the role, on behalf of this account only."""
    return DataAwsIamPolicyDocument(
        scope,
        id,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                actions=["sts:AssumeRole"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[service])],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals", variable="aws:SourceAccount", values=[account_id]
                    )
                ],
            )
        ],
    )


def pipeline_statements(
    bucket: ArtifactBucket, connection_arn: str, project_arns: list[str]
) -> list[DataAwsIamPolicyDocumentStatement]:
    """What every pipeline role needs: its artifacts, its source connection, its builds."""
    connection_service = connection_arn.split(":")[2]  # codestar-connections or codeconnections
    return [
        DataAwsIamPolicyDocumentStatement(
            sid="ReadWriteArtifacts",
            actions=["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl"],
            resources=[bucket.object_arns],
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="InspectArtifactBucket",
            actions=["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucket"],
            resources=[bucket.arn],
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="UseArtifactKey",
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            resources=[bucket.key.arn],
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="UseSourceConnection", actions=[f"{connection_service}:UseConnection"], resources=[connection_arn]
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="RunOwnBuilds", actions=["codebuild:BatchGetBuilds", "codebuild:StartBuild"], resources=project_arns
        ),
    ]
