"""The lifecycle block of a resource whose type is in `workspace.protection.STATEFUL_RESOURCE_TYPES`."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle


def lifecycle(prevent_destroy: bool, ignore_changes: list[str] | None = None) -> TerraformResourceLifecycle:
    return TerraformResourceLifecycle(prevent_destroy=prevent_destroy, ignore_changes=ignore_changes)
