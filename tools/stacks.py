"""Stack names on the command line: `<layer>-<env>`, e.g. `backend-prod`."""

from __future__ import annotations

from config.schema import ENVIRONMENT_NAMES
from workspace import layers
from workspace.layers import Layer


def parse_stack(stack: str) -> tuple[Layer, str]:
    """The layer and the environment of a stack name; a clear error for anything else."""
    layer, _, environment = stack.partition("-")
    if layer not in layers.BY_NAME or environment not in ENVIRONMENT_NAMES:
        raise ValueError(
            f"unknown stack {stack!r}: stacks are <layer>-<env> with layer in {', '.join(layers.NAMES)} "
            f"and env in {', '.join(ENVIRONMENT_NAMES)}"
        )
    return layers.BY_NAME[layer], environment
