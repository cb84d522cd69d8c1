"""What the tests parametrise over, derived from its one definition, and environment configs
changed for a test: `changed(load_environment("local"), **{"fargate.cpu": 512})`."""

from __future__ import annotations

from typing import Any

from config import load_environment
from config.naming import Namer
from config.schema import EMULATED_ENVIRONMENT, ENVIRONMENT_NAMES, PROJECT, EnvironmentConfig
from workspace import layers

# The environments (config.schema), those in an AWS account, the layers (workspace.layers),
# and the stacks the app builds: one per layer per environment, `<layer>-<env>`.
ENVIRONMENTS: tuple[str, ...] = ENVIRONMENT_NAMES
REAL_ENVIRONMENTS: tuple[str, ...] = tuple(env for env in ENVIRONMENTS if env != EMULATED_ENVIRONMENT)
LAYERS: tuple[str, ...] = layers.NAMES
STACKS: tuple[str, ...] = tuple(Namer(PROJECT, env).stack(layer) for env in ENVIRONMENTS for layer in LAYERS)


def stacks_of(layer: str) -> tuple[str, ...]:
    """The stacks of `layer`, one per environment."""
    return tuple(Namer(PROJECT, env).stack(layer) for env in ENVIRONMENTS)


def changed(config: EnvironmentConfig, **changes: object) -> EnvironmentConfig:
    """`config` with dotted-path fields replaced (the models are frozen: copies all the way down)."""
    for dotted, value in changes.items():
        config = _replace(config, dotted.split("."), value)
    return config


def environment(name: str, **changes: object) -> EnvironmentConfig:
    return changed(load_environment(name), **changes)


def _replace(model: Any, path: list[str], value: object) -> Any:
    head, *rest = path
    if isinstance(model, dict):
        return {**model, head: _replace(model[head], rest, value) if rest else value}
    return model.model_copy(update={head: _replace(getattr(model, head), rest, value) if rest else value})
