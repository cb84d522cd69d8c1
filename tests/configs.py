"""Environment configs changed for a test: `changed(load_environment("local"), **{"fargate.cpu": 512})`."""

from __future__ import annotations

from typing import Any

from config import load_environment
from config.schema import EnvironmentConfig


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
