"""The API's CloudWatch logs: the log group and the stream the application writes to."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_stream import CloudwatchLogStream
from constructs import Construct

from constructs_lib.shared.iam import ServiceRole, allow
from constructs_lib.shared.lifecycle import lifecycle
from constructs_lib.shared.logs import grant_log_write
from workspace.context import AwsContext


@dataclass(frozen=True)
class ServiceLogsProps:
    context: AwsContext
    group_name: str
    stream_name: str
    retention_days: int
    # The KMS key CloudWatch Logs encrypts the group with (its policy must admit Logs).
    kms_key_arn: str


class ServiceLogs(Construct):
    """Creates the log group (retention per environment, encrypted with `kms_key_arn`,
    protected from destroy) and the named stream the NestJS logger writes to (`logs/log-group`, `logs/log-stream`).

    Container stdout goes to the same group under the `awslogs` prefix of the task
    definition. Exposes `group`, `stream`, `group_arn`, `stream_arn` and `streams_arn`;
    `grant_write(role)` (the container's stdout) and `grant_write_stream(role)` (the app's
    own stream) give a role its access.
    """

    def __init__(self, scope: Construct, id: str, *, props: ServiceLogsProps) -> None:
        super().__init__(scope, id)
        self.group = CloudwatchLogGroup(
            self,
            "group",
            name=props.group_name,
            retention_in_days=props.retention_days,
            kms_key_id=props.kms_key_arn,
            lifecycle=lifecycle(props.context.prevent_destroy),
        )
        self.stream = CloudwatchLogStream(self, "stream", name=props.stream_name, log_group_name=self.group.name)
        self.group_arn = self.group.arn
        self.stream_arn = f"{self.group.arn}:log-stream:{self.stream.name}"
        self.streams_arn = f"{self.group.arn}:log-stream:*"

    def grant_write(self, role: ServiceRole) -> None:
        """Let `role` create streams in the group and write to them (the ECS agent, for the
        container's stdout)."""
        grant_log_write(role, "ContainerLogs", self.streams_arn)

    def grant_write_stream(self, role: ServiceRole) -> None:
        """Let `role` write to the named stream only, and describe it (the app's logger)."""
        role.add_statements(
            allow("AppLogStream", ["logs:PutLogEvents", "logs:DescribeLogStreams"], [self.group_arn, self.stream_arn])
        )
