"""`frontend-<env>`: the daily-desk-frontend-ci-pipeline over the external hosting."""

from __future__ import annotations

from constructs import Construct

from config.schema import HOSTED_APPS, EnvironmentConfig
from constructs_lib.delivery.codebuild_project import ParameterRef
from constructs_lib.delivery.external_hosting import ExternalHosting, ExternalHostingProps, HostedApp
from constructs_lib.delivery.frontend_pipeline import FrontendPipeline, FrontendPipelineProps
from stacks.base import WorkspaceStack, logs_key, pipeline_artifacts, pipeline_notification, renamed
from workspace import catalogue, layers
from workspace.contracts import FRONTEND_CONTRACT
from workspace.outputs import ParentOutputs, publish


class FrontendStack(WorkspaceStack):
    """The pipeline builds the three React apps, syncs them to their external buckets and
    invalidates their distributions; its state changes reach the backend's deployment topic."""

    layer = layers.FRONTEND

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        namer = self.namer
        self.parent = ParentOutputs(self, "parent", config=config, namer=namer)
        self.hosting = ExternalHosting(
            self,
            "hosting",
            props=ExternalHostingProps(apps=tuple(self._hosted_app(app) for app in HOSTED_APPS)),
        )
        self.artifacts = pipeline_artifacts(self, "pipeline-artifacts", catalogue.FRONTEND_PIPELINE)
        # Called `artifacts` before it had the backend's name: moved, not replaced.
        renamed(self.artifacts, "artifacts")
        self.logs_key = logs_key(self)
        self.pipeline = FrontendPipeline(
            self,
            "pipeline",
            props=FrontendPipelineProps(
                context=self.context,
                pipeline=catalogue.FRONTEND_PIPELINE,
                artifact_bucket=self.artifacts,
                connection_arn=config.pipelines.connection_arn,
                repository=config.pipelines.frontend_repository,
                branch=config.pipelines.frontend_branch,
                api_url=ParameterRef(
                    namer.parameter("frontend/env/api-url"), self.parent.parameter_arn("frontend/env/api-url")
                ),
                hosting=self.hosting,
                log_retention_days=config.logs.retention_days,
                log_key_arn=self.logs_key.arn,
            ),
        )
        # The topic lives in `backend`; its policy admits this rule by the catalogue's name.
        pipeline_notification(
            self,
            "notifications",
            catalogue.FRONTEND_PIPELINE,
            self.pipeline.name,
            self.parent.string("deployment_topic_arn"),
        )
        self._outputs()

    def _hosted_app(self, app: str) -> HostedApp:
        """Where `app`'s build goes and which distribution serves it, read from the parent."""
        bucket, distribution = catalogue.HOSTED_APP_PARAMETERS[app]
        return HostedApp(app, self.parent.parameter_value(bucket), self.parent.parameter_value(distribution))

    def _outputs(self) -> None:
        publish(
            self,
            FRONTEND_CONTRACT,
            {"pipeline_name": self.pipeline.pipeline.name, "pipeline_artifact_bucket": self.artifacts.bucket.bucket},
        )
