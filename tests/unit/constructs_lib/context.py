"""The `AwsContext` of a construct synthesized on its own, outside any workspace stack."""

from __future__ import annotations

from workspace.context import AwsContext
from workspace.naming import Namer


def example_context(*, prevent_destroy: bool = True, region: str = "us-east-1") -> AwsContext:
    return AwsContext(
        namer=Namer("example", "test"),
        partition="aws",
        region=region,
        account_id="123456789012",
        prevent_destroy=prevent_destroy,
        permissions_boundary_arn="arn:aws:iam::123456789012:policy/example-test-permissions-boundary",
    )
