"""Builds the cdktf app: for each environment, one stack per layer of `workspace.layers`."""

from __future__ import annotations

import os

from cdktf import App

import workspace  # noqa: F401  (provider import shortcut before any stack module)
from config import load_environments
from config.loader import ENVIRONMENTS_VARIABLE
from stacks.backend import BackendStack
from stacks.base import WorkspaceStack
from stacks.frontend import FrontendStack
from stacks.parent import ParentStack
from workspace import layers

# Each layer's stack class. `workspace` never imports the stacks, so the mapping lives here.
STACKS: dict[str, type[WorkspaceStack]] = {
    stack.layer.name: stack for stack in (ParentStack, BackendStack, FrontendStack)
}


def selected_environments() -> list[str] | None:
    """The environments named by `DAILYDESK_ENVIRONMENTS` (None: all). Every selected file
    is validated before any stack is built, so a bad file stops the synth before it writes."""
    value = os.environ.get(ENVIRONMENTS_VARIABLE, "").strip()
    return [name.strip() for name in value.split(",") if name.strip()] or None


def build_app(app: App | None = None, environments: list[str] | None = None) -> App:
    configs = load_environments(environments or selected_environments())
    app = app or App()
    for config in configs:
        for layer in layers.LAYERS:
            STACKS[layer.name](app, config)
    return app
