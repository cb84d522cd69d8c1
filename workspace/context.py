"""What every construct of a workspace is told about where it is: one value, built once by
the workspace stack and passed as the `context` field of each construct's props.

Pure data (no cdktf import): the namer, the partition, region and account the resources
live in, whether stateful resources are protected from destroy, and the permissions
boundary every role carries. A construct's own
settings stay in its own props fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from workspace.naming import Namer


@dataclass(frozen=True)
class AwsContext:
    """Where a workspace's resources live, and how they are named and protected."""

    # Physical names `<project>-<env>-...` (construct ids never carry the environment).
    namer: Namer
    partition: str
    region: str
    account_id: str
    # `prevent_destroy` on every resource of `workspace.protection.STATEFUL_RESOURCE_TYPES`.
    prevent_destroy: bool
    # The managed policy every IAM role of the workspace carries as its permissions boundary
    # (created once per account outside the stacks; the CI deploy role creates roles only with it).
    permissions_boundary_arn: str

    def arn(self, service: str, resource: str) -> str:
        """The ARN of `resource` of `service` in this region and account, e.g.
        `arn("ecs", "cluster/name")`."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    @property
    def account_root(self) -> str:
        """The account's root principal: who a key policy lets delegate to IAM policies."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"
