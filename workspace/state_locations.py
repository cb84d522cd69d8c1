"""Where each workspace's state lives (pure: the tools read it without starting jsii).

`workspace.state_backend` writes the backend blocks and remote-state readers from these.
"""

from __future__ import annotations

from config.schema import EnvironmentConfig, LocalState, S3State
from workspace.naming import Namer

# Terraform runs in cdktf.out/stacks/<stack>/: three levels below the repository root.
REPO_ROOT_FROM_STACK_DIR = "../../.."


def local_state_path(config: EnvironmentConfig, namer: Namer, layer: str, state: LocalState) -> str:
    """The state file of `layer`, relative to its stack directory."""
    return f"{REPO_ROOT_FROM_STACK_DIR}/{state.directory}/{config.name}/{namer.stack(layer)}.tfstate"


def s3_state_key(state: S3State, config: EnvironmentConfig, layer: str) -> str:
    return f"{state.key_prefix}/{config.name}/{layer}.tfstate"
