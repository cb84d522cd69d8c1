"""Writing to a CloudWatch log group: the one statement every log writer is granted."""

from __future__ import annotations

from constructs_lib.shared.iam import ServiceRole, allow

# A writer creates its streams (one per task or build) and puts events into them.
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def grant_log_write(role: ServiceRole, sid: str, streams_arn: str) -> None:
    """Let `role` create the streams `streams_arn` matches and write into them (the ECS
    agent's `awslogs` driver, a CodeBuild project)."""
    role.add_statements(allow(sid, LOG_WRITE_ACTIONS, [streams_arn]))
