"""`frontend-<env>`: the daily-desk-frontend-ci-pipeline over the external hosting."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from config.schema import EnvironmentConfig
from constructs_lib.delivery import frontend_pipeline
from constructs_lib.delivery.codebuild_project import ParameterRef
from constructs_lib.delivery.external_hosting import ExternalHosting, ExternalHostingProps, HostedApp
from constructs_lib.delivery.frontend_pipeline import FrontendPipeline, FrontendPipelineProps
from workspace.parent_outputs import ParentOutputs
from stacks.delivery import pipeline_artifacts, pipeline_notification
from stacks.base import Workspace

# The three React apps: (app folder, bucket parameter, distribution parameter).
APPS = (
    ("web", "s3/website-bucket-name", "cloudfront/distribution-id"),
    ("tablet", "s3/tablet-bucket-name", "cloudfront/tablet-distribution-id"),
    ("booking", "s3/booking-bucket-name", "cloudfront/booking-distribution-id"),
)


class FrontendStack(Workspace):
    layer = "frontend"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        namer = self.namer
        self.parent = ParentOutputs(self, "parent", config=config, namer=namer)
        self.hosting = ExternalHosting(
            self,
            "hosting",
            props=ExternalHostingProps(
                apps=tuple(
                    HostedApp(app, self.parent.parameter_value(bucket), self.parent.parameter_value(distribution))
                    for app, bucket, distribution in APPS
                )
            ),
        )
        self.artifacts = pipeline_artifacts(self, "artifacts", frontend_pipeline.PIPELINE_PART)
        self.pipeline = FrontendPipeline(
            self,
            "pipeline",
            props=FrontendPipelineProps(
                namer=namer,
                account_id=config.account_id,
                region=config.region,
                partition=config.partition,
                artifact_bucket=self.artifacts,
                connection_arn=config.pipelines.connection_arn,
                repository=config.pipelines.frontend_repository,
                branch=config.pipelines.frontend_branch,
                api_url=ParameterRef(
                    namer.parameter("frontend/env/api-url"), self.parent.parameter_arn("frontend/env/api-url")
                ),
                hosting=self.hosting,
                log_retention_days=config.logs.retention_days,
                prevent_destroy=config.protection.prevent_destroy,
            ),
        )
        # The topic lives in `backend`; its policy admits this rule by the same name.
        self.notifications = pipeline_notification(
            self,
            "notifications",
            frontend_pipeline.PIPELINE_PART,
            self.pipeline.name,
            self.parent.string("deployment_topic_arn"),
        )
        TerraformOutput(self, "pipeline_name", value=self.pipeline.pipeline.name, description="Name of the frontend CodePipeline.")
        TerraformOutput(
            self, "artifact_bucket", value=self.artifacts.bucket.bucket, description="S3 bucket holding the pipeline's artifacts."
        )
