"""What a workspace with a delivery pipeline composes around it, the same way in `backend`
and `frontend`: the pipeline's artifact bucket and its deployment notification."""

from __future__ import annotations

from constructs_lib.delivery import deployment_notifications as notifications
from constructs_lib.shared.artifact_bucket import MAX_BUCKET_NAME, ArtifactBucket, ArtifactBucketProps
from stacks.base import Workspace


def pipeline_artifacts(stack: Workspace, id: str, pipeline_part: str) -> ArtifactBucket:
    """The artifact bucket of the pipeline `pipeline_part`: named with the account (bucket
    names are global), kept for `pipelines.artifact_retention_days`; a protected
    environment keeps it on destroy, any other empties it."""
    config, namer = stack.config, stack.namer
    protect = config.protection.prevent_destroy
    return ArtifactBucket(
        stack,
        id,
        props=ArtifactBucketProps(
            bucket_name=namer.name(pipeline_part, "artifacts", config.account_id, max_len=MAX_BUCKET_NAME),
            key_alias=namer.name(pipeline_part, "artifacts"),
            account_id=config.account_id,
            partition=config.partition,
            retention_days=config.pipelines.artifact_retention_days,
            prevent_destroy=protect,
            force_destroy=not protect,
        ),
    )


def pipeline_notification(
    stack: Workspace, id: str, pipeline_part: str, pipeline_name: str, topic_arn: str
) -> notifications.PipelineNotification:
    """The rule that sends the pipeline's state changes to the deployment topic; its name is
    `notifications.rule_name`, the one the topic's policy admits."""
    return notifications.PipelineNotification(
        stack,
        id,
        props=notifications.PipelineNotificationProps(
            rule_name=notifications.rule_name(stack.namer, pipeline_part),
            pipeline_name=pipeline_name,
            topic_arn=topic_arn,
        ),
    )
