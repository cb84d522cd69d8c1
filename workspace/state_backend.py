"""Where each workspace keeps its state, and how another workspace reads it.

The writer (`configure_backend`) and the reader (`remote_state`) are built from the same
config, so a workspace always reads the parent's outputs from where the parent wrote them.
"""

from __future__ import annotations

from cdktf import (
    CloudBackend,
    DataTerraformRemoteState,
    DataTerraformRemoteStateLocal,
    DataTerraformRemoteStateS3,
    LocalBackend,
    NamedCloudWorkspace,
    NamedRemoteWorkspace,
    S3Backend,
    TerraformRemoteState,
    TerraformStack,
)
from constructs import Construct

from config.schema import CloudState, EnvironmentConfig, LocalState, S3State
from workspace.naming import Namer
from workspace.state_locations import local_state_path, s3_state_key


def configure_backend(stack: TerraformStack, config: EnvironmentConfig, namer: Namer, layer: str) -> None:
    state = config.state
    if isinstance(state, LocalState):
        LocalBackend(stack, path=local_state_path(config, namer, layer, state))
    elif isinstance(state, S3State):
        S3Backend(
            stack,
            bucket=state.bucket,
            key=s3_state_key(state, config, layer),
            region=state.region,
            encrypt=True,
            kms_key_id=state.kms_key_id,
        )
        # Native S3 lock files (Terraform >= 1.10); cdktf 0.21's S3Backend has no field for it.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
    elif isinstance(state, CloudState):
        CloudBackend(
            stack,
            hostname=state.hostname,
            organization=state.organization,
            workspaces=NamedCloudWorkspace(namer.workspace(layer)),
        )
    else:  # pragma: no cover - the schema admits only the three
        raise TypeError(f"unknown state backend {state!r}")


def remote_state(
    scope: Construct, id: str, config: EnvironmentConfig, namer: Namer, layer: str
) -> TerraformRemoteState:
    """A `terraform_remote_state` data source reading `layer`'s state of this environment."""
    state = config.state
    if isinstance(state, LocalState):
        return DataTerraformRemoteStateLocal(scope, id, path=local_state_path(config, namer, layer, state))
    if isinstance(state, S3State):
        return DataTerraformRemoteStateS3(
            scope, id, bucket=state.bucket, key=s3_state_key(state, config, layer), region=state.region, encrypt=True
        )
    if isinstance(state, CloudState):
        return DataTerraformRemoteState(
            scope,
            id,
            hostname=state.hostname,
            organization=state.organization,
            workspaces=NamedRemoteWorkspace(namer.workspace(layer)),
        )
    raise TypeError(f"unknown state backend {state!r}")  # pragma: no cover
