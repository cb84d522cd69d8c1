"""The frontend's `daily-desk-frontend-ci-pipeline`: source, build of the three React apps,
deploy to their external buckets with a CloudFront invalidation each."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codepipeline import Codepipeline, CodepipelineStage
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from constructs_lib.artifact_bucket import ArtifactBucket
from constructs_lib.codebuild_project import BuildProject, BuildProjectProps, EnvironmentVariable, ParameterRef
from constructs_lib.external_hosting import ExternalHosting
from constructs_lib.naming import MAX_IAM_ROLE_NAME, Namer
from constructs_lib.pipeline_parts import (
    SOURCE_ARTIFACT,
    artifact_store,
    codebuild_action,
    pipeline_statements,
    service_trust,
    source_action,
)

# The spec's `daily-desk-frontend-ci-pipeline`, made by the Namer like every other name:
# `dailydesk-<env>-frontend-ci-pipeline` (one account may hold several environments).
PIPELINE_PART = "frontend-ci-pipeline"
BUILD_BUILDSPEC = "frontend-build.yml"
DEPLOY_BUILDSPEC = "frontend-deploy.yml"
BUILD_ARTIFACT = "apps"
# React builds need more memory than the smallest build container offers.
DEFAULT_BUILD_COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM"

HOSTING_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
INVALIDATION_ACTIONS = ("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation")


def pipeline_name(namer: Namer) -> str:
    return namer.name(PIPELINE_PART)


@dataclass(frozen=True)
class FrontendPipelineProps:
    namer: Namer
    account_id: str
    region: str
    partition: str
    artifact_bucket: ArtifactBucket
    connection_arn: str
    repository: str
    branch: str
    api_url: ParameterRef
    # The apps' buckets and distributions; the deploy variables are `<APP>_BUCKET` and
    # `<APP>_DISTRIBUTION_ID` for each app name.
    hosting: ExternalHosting
    log_retention_days: int
    prevent_destroy: bool
    build_compute_type: str = DEFAULT_BUILD_COMPUTE_TYPE


class FrontendPipeline(Construct):
    """Creates the CodePipeline V2 (`pipeline`) with its role (`role`) and two CodeBuild
    projects: `build` (buildspecs/frontend-build.yml: the apps with `frontend/env/api-url`
    baked in) and `deploy` (buildspecs/frontend-deploy.yml: sync each app to its bucket,
    cache headers, invalidate its distribution). Only `deploy` may write the hosting
    buckets and invalidate the distributions, and only those named by `hosting`.
    """

    def __init__(self, scope: Construct, id: str, *, props: FrontendPipelineProps) -> None:
        super().__init__(scope, id)
        self.name = pipeline_name(props.namer)
        self.build = BuildProject(
            self,
            "build",
            props=self._project_props(
                props,
                "build",
                description=f"Builds the web, tablet and booking apps of {props.repository}",
                buildspec_file=BUILD_BUILDSPEC,
                compute_type=props.build_compute_type,
                environment_variables=(props.api_url.variable("API_URL"),),
            ),
        )
        self.deploy = BuildProject(
            self,
            "deploy",
            props=self._project_props(
                props,
                "deploy",
                description="Publishes the built apps to their buckets and invalidates their distributions",
                buildspec_file=DEPLOY_BUILDSPEC,
                environment_variables=self._hosting_variables(props.hosting),
                statements=(
                    DataAwsIamPolicyDocumentStatement(
                        sid="ListHostingBuckets", actions=["s3:ListBucket"], resources=props.hosting.bucket_arns
                    ),
                    DataAwsIamPolicyDocumentStatement(
                        sid="WriteHostingObjects",
                        actions=list(HOSTING_OBJECT_ACTIONS),
                        resources=props.hosting.object_arns,
                    ),
                    DataAwsIamPolicyDocumentStatement(
                        sid="InvalidateDistributions",
                        actions=list(INVALIDATION_ACTIONS),
                        resources=props.hosting.distribution_arns,
                    ),
                ),
            ),
        )
        self.assume_policy = service_trust(self, "assume", "codepipeline.amazonaws.com", props.account_id)
        self.role = IamRole(
            self,
            "role",
            name=props.namer.name(PIPELINE_PART, max_len=MAX_IAM_ROLE_NAME),
            assume_role_policy=self.assume_policy.json,
        )
        self.policy = DataAwsIamPolicyDocument(
            self,
            "policy",
            statement=pipeline_statements(props.artifact_bucket, props.connection_arn, [self.build.arn, self.deploy.arn]),
        )
        self.role_policy = IamRolePolicy(self, "role-policy", role=self.role.id, name="pipeline", policy=self.policy.json)
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
                CodepipelineStage(
                    name="Build",
                    action=[codebuild_action("Apps", self.build.name, inputs=[SOURCE_ARTIFACT], outputs=[BUILD_ARTIFACT])],
                ),
                CodepipelineStage(
                    name="Deploy", action=[codebuild_action("Publish", self.deploy.name, inputs=[BUILD_ARTIFACT])]
                ),
            ],
            depends_on=[self.role_policy],
        )

    @staticmethod
    def _hosting_variables(hosting: ExternalHosting) -> tuple[EnvironmentVariable, ...]:
        variables: list[EnvironmentVariable] = []
        for name, target in hosting.apps.items():
            variables += [
                EnvironmentVariable(f"{name.upper()}_BUCKET", target.bucket.bucket),
                EnvironmentVariable(f"{name.upper()}_DISTRIBUTION_ID", target.distribution.id),
            ]
        return tuple(variables)

    def _project_props(self, props: FrontendPipelineProps, part: str, **kwargs) -> BuildProjectProps:
        name = props.namer.name(PIPELINE_PART, part, max_len=MAX_IAM_ROLE_NAME)
        return BuildProjectProps(
            name=name,
            role_name=name,
            account_id=props.account_id,
            region=props.region,
            partition=props.partition,
            artifact_bucket_arn=props.artifact_bucket.arn,
            artifact_key_arn=props.artifact_bucket.key.arn,
            log_retention_days=props.log_retention_days,
            prevent_destroy=props.prevent_destroy,
            **kwargs,
        )
