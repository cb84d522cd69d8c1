"""Read an environment file and validate it; errors name the file and the field."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.schema import ENVIRONMENT_NAMES, EnvironmentConfig

# DAILYDESK_CONFIG_DIR points the app at another directory of environment files (with its
# own defaults.toml), e.g. to try a new environment or to test bad input end to end.
_CONFIG_DIR = Path(os.environ.get("DAILYDESK_CONFIG_DIR") or Path(__file__).resolve().parent)
ENVIRONMENTS_DIR = _CONFIG_DIR / "environments"
DEFAULTS_FILE = _CONFIG_DIR / "defaults.toml"
# Lets a test session run its own emulator beside a developer's (loopback only: the
# host stays the one in local.toml).
EMULATOR_PORT_VARIABLE = "DAILYDESK_EMULATOR_PORT"
# Comma-separated subset of the environments the app builds (default: all): read by the
# app (stacks.app), set by whoever starts it (tools.synth).
ENVIRONMENTS_VARIABLE = "DAILYDESK_ENVIRONMENTS"


class ConfigError(Exception):
    """A bad environment file. The message names the file and every failing field."""


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("local", "s3", "cloud") and parts and parts[-1] == "state":
            continue  # the discriminated-union tag is not a field the user wrote
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    display = _display(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{display}: file not found") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{display}: not valid TOML: {error}") from error


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (arrays included) is replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_file(path: Path, defaults: Path | None = DEFAULTS_FILE) -> EnvironmentConfig:
    display = _display(path)
    data = _read_toml(path)
    if defaults is not None:
        data = merge(_read_toml(defaults), data)
    expected = path.stem
    if data.get("name") != expected:
        raise ConfigError(f"{display}: name: must be {expected!r} (the file's name), found {data.get('name')!r}")
    port = os.environ.get(EMULATOR_PORT_VARIABLE)
    if port and isinstance(data.get("emulator"), dict):
        if not port.isdigit():
            raise ConfigError(f"{EMULATOR_PORT_VARIABLE}={port!r}: not a port number")
        data["emulator"] = {**data["emulator"], "port": int(port)}
    try:
        return EnvironmentConfig.model_validate(data)
    except ValidationError as error:
        lines = [
            f"{display}: {_location(item['loc'])}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors(include_url=False)
        ]
        raise ConfigError("invalid environment configuration\n  " + "\n  ".join(lines)) from None


def load_environment(
    name: str, directory: Path = ENVIRONMENTS_DIR, defaults: Path | None = DEFAULTS_FILE
) -> EnvironmentConfig:
    if name not in ENVIRONMENT_NAMES:
        raise ConfigError(
            f"unknown environment {name!r}: known environments are {', '.join(ENVIRONMENT_NAMES)} "
            f"(one file each under {_display(directory)})"
        )
    return load_file(directory / f"{name}.toml", defaults)


def load_environments(names: list[str] | None = None, directory: Path = ENVIRONMENTS_DIR) -> list[EnvironmentConfig]:
    """Load several environments, reporting every bad file at once."""
    configs, errors = [], []
    for name in names or list(ENVIRONMENT_NAMES):
        try:
            configs.append(load_environment(name, directory))
        except ConfigError as error:
            errors.append(str(error))
    if errors:
        raise ConfigError("\n".join(errors))
    return configs
