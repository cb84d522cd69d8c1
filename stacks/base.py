"""The base of every workspace stack (provider, state backend, standard tags), and what a
workspace with a delivery pipeline composes around it, the same way in `backend` and
`frontend`: the key of its log groups, the pipeline's artifact bucket and its deployment
notification."""

from __future__ import annotations

from typing import ClassVar

from cdktf import TerraformResource, TerraformStack
from constructs import Construct

from config.schema import EnvironmentConfig
from constructs_lib.delivery import deployment_notifications as notifications
from constructs_lib.shared.artifact_bucket import ArtifactBucket, ArtifactBucketProps
from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps, cloudwatch_logs_use
from constructs_lib.shared.private_bucket import MAX_BUCKET_NAME
from workspace import catalogue
from workspace.context import AwsContext
from workspace.layers import Layer
from workspace.naming import logical_id
from workspace.providers import aws_provider
from workspace.state_backend import configure_backend


class WorkspaceStack(TerraformStack):
    """One Terraform workspace: the stack `<layer>-<env>` with its own state, and the
    `context` every construct of it is given."""

    layer: ClassVar[Layer]

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        namer = config.namer
        super().__init__(scope, namer.stack(self.layer.name))
        self.config = config
        self.namer = namer
        self.context = AwsContext(
            namer=namer,
            partition=config.partition,
            region=config.region,
            account_id=config.account_id,
            prevent_destroy=config.protection.prevent_destroy,
            permissions_boundary_arn=config.permissions_boundary_arn,
        )
        self.provider = aws_provider(self, config=config, tags=namer.tags(self.layer.name, config.tags))
        configure_backend(self, config, namer, self.layer.name)


def logs_key(stack: WorkspaceStack) -> EncryptionKey:
    """The one KMS key of the workspace's CloudWatch log groups, which CloudWatch Logs may
    use for this account's log groups only."""
    context, namer = stack.context, stack.namer
    return EncryptionKey(
        stack,
        "logs-key",
        props=EncryptionKeyProps(
            context=context,
            alias=namer.name(stack.layer.name, "logs"),
            description=f"Encrypts the CloudWatch log groups of {namer.stack(stack.layer.name)}",
            services=(cloudwatch_logs_use(context),),
        ),
    )


def pipeline_artifacts(stack: WorkspaceStack, id: str, pipeline: str) -> ArtifactBucket:
    """The artifact bucket of `pipeline` (a `catalogue` pipeline): named with the account
    (bucket names are global), kept for `pipelines.artifact_retention_days`; a protected
    environment keeps it on destroy, any other empties it."""
    context, namer = stack.context, stack.namer
    return ArtifactBucket(
        stack,
        id,
        props=ArtifactBucketProps(
            context=context,
            bucket_name=namer.name(pipeline, "artifacts", context.account_id, max_len=MAX_BUCKET_NAME),
            key_alias=namer.name(pipeline, "artifacts"),
            retention_days=stack.config.pipelines.artifact_retention_days,
            force_destroy=not context.prevent_destroy,
        ),
    )


def pipeline_notification(
    stack: WorkspaceStack, id: str, pipeline: str, pipeline_name: str, topic_arn: str
) -> notifications.PipelineNotification:
    """The rule that sends `pipeline`'s state changes to the deployment topic; its name is
    the catalogue's, the one the topic's policy admits."""
    return notifications.PipelineNotification(
        stack,
        id,
        props=notifications.PipelineNotificationProps(
            rule_name=catalogue.pipeline_notification_rule_name(stack.namer, pipeline),
            pipeline_name=pipeline_name,
            topic_arn=topic_arn,
        ),
    )


def moved(resource: TerraformResource, former_path: tuple[str, ...]) -> None:
    """A `moved` block for `resource` from the address it had at construct path
    `former_path` (below its stack): the move replaces nothing. Keep the call until every
    environment has applied it; then it can go."""
    resource.move_from_id(f"{resource.terraform_resource_type}.{logical_id(former_path)}")


def renamed(construct: Construct, former_id: str) -> None:
    """`moved` for every resource of `construct` (a child of its stack) from the address it
    had when the construct was called `former_id`: the rename replaces nothing."""
    for child in construct.node.find_all():
        if isinstance(child, TerraformResource):
            path = tuple(child.node.path.split("/")[1:])
            assert path[0] == construct.node.id, f"{construct.node.path} is not a child of its stack"
            moved(child, (former_id, *path[1:]))
