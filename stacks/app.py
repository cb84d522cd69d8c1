"""Builds the cdktf app: for each environment, one stack per layer of `workspace.layers`."""

from __future__ import annotations

from cdktf import App

import workspace  # noqa: F401  (provider import shortcut before any stack module)
from config import EnvironmentConfig, load_environments
from config.loader import selected_environments
from stacks.backend import BackendStack
from stacks.base import WorkspaceStack
from stacks.frontend import FrontendStack
from stacks.parent import ParentStack
from workspace import layers

# Each layer's stack class. `workspace` never imports the stacks, so the mapping lives here.
STACKS: dict[str, type[WorkspaceStack]] = {
    stack.layer.name: stack for stack in (ParentStack, BackendStack, FrontendStack)
}


def build_app(
    app: App | None = None, environments: list[str] | None = None, configs: list[EnvironmentConfig] | None = None
) -> App:
    """One stack per layer of each environment: `configs` when given (already loaded),
    otherwise `environments` (default: `selected_environments()`) loaded here."""
    configs = configs if configs is not None else load_environments(environments or selected_environments())
    app = app or App()
    for config in configs:
        for layer in layers.LAYERS:
            STACKS[layer.name](app, config)
    return app
