"""The frontend's `daily-desk-frontend-ci-pipeline`: source, build of the three React apps,
deploy to their external buckets with a CloudFront invalidation each."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStage
from constructs import Construct

from constructs_lib.delivery.codebuild_project import BuildProject, EnvironmentVariable, ParameterRef
from constructs_lib.delivery.external_hosting import ExternalHosting
from constructs_lib.delivery.pipeline_parts import (
    SOURCE_ARTIFACT,
    SourcedPipeline,
    SourcedPipelineProps,
    codebuild_action,
)
from constructs_lib.shared.iam import allow

BUILD_BUILDSPEC = "frontend-build.yml"
DEPLOY_BUILDSPEC = "frontend-deploy.yml"
BUILD_ARTIFACT = "apps"
# React builds need more memory than the smallest build container offers.
DEFAULT_BUILD_COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM"

HOSTING_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
INVALIDATION_ACTIONS = ("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation")


@dataclass(frozen=True)
class FrontendPipelineProps(SourcedPipelineProps):
    api_url: ParameterRef
    # The apps' buckets and distributions; the deploy variables are `<APP>_BUCKET` and
    # `<APP>_DISTRIBUTION_ID` for each app name.
    hosting: ExternalHosting
    build_compute_type: str = DEFAULT_BUILD_COMPUTE_TYPE


class FrontendPipeline(SourcedPipeline):
    """Creates the CodePipeline V2 (`pipeline`) with its role (`role`) and two CodeBuild
    projects: `build` (buildspecs/frontend-build.yml: the apps with `frontend/env/api-url`
    baked in) and `deploy` (buildspecs/frontend-deploy.yml: sync each app to its bucket,
    cache headers, invalidate its distribution). Only `deploy` may write the hosting
    buckets and invalidate the distributions, and only those named by `hosting`.
    """

    def __init__(self, scope: Construct, id: str, *, props: FrontendPipelineProps) -> None:
        super().__init__(scope, id, props=props)
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
                    allow("ListHostingBuckets", ["s3:ListBucket"], props.hosting.bucket_arns),
                    allow("WriteHostingObjects", HOSTING_OBJECT_ACTIONS, props.hosting.object_arns),
                    allow("InvalidateDistributions", INVALIDATION_ACTIONS, props.hosting.distribution_arns),
                ),
            ),
        )
        self._define_role(props, [self.build.arn, self.deploy.arn])
        self._define_pipeline(
            props,
            [
                CodepipelineStage(
                    name="Build",
                    action=[
                        codebuild_action("Apps", self.build.name, inputs=[SOURCE_ARTIFACT], outputs=[BUILD_ARTIFACT])
                    ],
                ),
                CodepipelineStage(
                    name="Deploy", action=[codebuild_action("Publish", self.deploy.name, inputs=[BUILD_ARTIFACT])]
                ),
            ],
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
