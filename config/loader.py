"""Read an environment file over defaults.toml and validate it.

Errors name the field and the file its value comes from: the environment's file, or
defaults.toml when the environment does not set it (each such value named once, however
many environments use it); a missing value, both files where it may be set.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

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


class ConfigError(Exception):
    """A bad environment file. The message names the file and every failing field;
    `problems` holds the failing fields of a validation, for `load_environments` to merge."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    @classmethod
    def invalid(cls, problems: list[Problem]) -> ConfigError:
        merged = _merged(problems)
        lines = "\n  ".join(str(problem) for problem in merged)
        return cls(f"invalid environment configuration\n  {lines}", merged)


@dataclass(frozen=True)
class Problem:
    """One value to fix: the file it comes from, the field, what is wrong with it.

    A missing value has no file it comes from: `files` are the environment files that
    lack it and `or_in` the file that may set it for every environment (defaults.toml).
    """

    files: tuple[str, ...]
    field: str
    message: str
    or_in: str | None = None

    def __str__(self) -> str:
        text = f"{', '.join(self.files)}: {self.field}: {self.message}"
        if self.or_in:
            text += f" (set it {'there' if len(self.files) == 1 else 'in each'} or in {self.or_in})"
        return text


def _merged(problems: list[Problem]) -> tuple[Problem, ...]:
    """Each problem once: a value of defaults.toml fails in every environment that uses it,
    and a value missing from several environment files is one value to set."""
    merged: dict[tuple[object, ...], Problem] = {}
    for problem in problems:
        key = (problem.field, problem.message, problem.or_in) if problem.or_in else (problem,)
        known = merged.get(key)
        if known is None:
            merged[key] = problem
        elif problem.files[0] not in known.files:
            merged[key] = replace(known, files=(*known.files, *problem.files))
    return tuple(merged.values())


Location = tuple[int | str, ...]


def _path(loc: tuple[int | str, ...]) -> Location:
    """An error's location as the keys the user wrote (the discriminated-union tag is not one)."""
    path: list[int | str] = []
    for item in loc:
        if item in ("local", "s3", "cloud") and path == ["state"]:
            continue
        path.append(item)
    return tuple(path)


def _field(path: Location) -> str:
    parts: list[str] = []
    for item in path:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def _child(node: Any, key: int | str) -> tuple[bool, Any]:
    if isinstance(node, dict) and key in node:
        return True, node[key]
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return True, node[key]
    return False, None


def _sets(data: dict[str, Any], path: Location) -> bool | None:
    """Whether a file's `data` sets the value at `path`: True, False, or None when it does
    not but sets the array the value is in (arrays replace whole: no other file can set it)."""
    node: Any = data
    in_array = False
    for key in path:
        in_array = in_array or isinstance(node, list)
        found, node = _child(node, key)
        if not found:
            return None if in_array else False
    return True


def _problem(error: ErrorDetails, files: list[tuple[str, dict[str, Any]]], override: str | None) -> Problem:
    """The problem of one validation error, named after the file its value comes from.
    `files`: (name, data) from the highest priority down: the environment file, defaults.toml."""
    path = _path(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if override and path == ("emulator", "port"):
        return Problem((override,), _field(path), message)
    for name, data in files:
        if _sets(data, path) is not False:
            return Problem((name,), _field(path), message)
    environment_file = files[0][0]
    if error["type"] == "missing" and len(files) > 1:
        return Problem((environment_file,), _field(path), message, or_in=files[-1][0])
    return Problem((environment_file,), _field(path), message)


def load_file(path: Path, defaults: Path | None = DEFAULTS_FILE) -> EnvironmentConfig:
    display = _display(path)
    data = _read_toml(path)
    # The files the values come from, the environment's own first: errors name the file
    # that sets the failing value (or, for a missing one, where it may be set).
    files = [(display, data)]
    if defaults is not None:
        files.append((_display(defaults), _read_toml(defaults)))
        data = merge(files[1][1], data)
    expected = path.stem
    if data.get("name") != expected:
        raise ConfigError(f"{display}: name: must be {expected!r} (the file's name), found {data.get('name')!r}")
    port = os.environ.get(EMULATOR_PORT_VARIABLE)
    override = None
    if port and isinstance(data.get("emulator"), dict):
        if not port.isdigit():
            raise ConfigError(f"{EMULATOR_PORT_VARIABLE}={port!r}: not a port number")
        data["emulator"] = {**data["emulator"], "port": int(port)}
        override = f"{EMULATOR_PORT_VARIABLE}={port}"
    try:
        return EnvironmentConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError.invalid(
            [_problem(item, files, override) for item in error.errors(include_url=False)]
        ) from None


def load_environment(
    name: str, directory: Path = ENVIRONMENTS_DIR, defaults: Path | None = DEFAULTS_FILE
) -> EnvironmentConfig:
    if name not in ENVIRONMENT_NAMES:
        raise ConfigError(
            f"unknown environment {name!r}: known environments are {', '.join(ENVIRONMENT_NAMES)} "
            f"(one file each under {_display(directory)})"
        )
    return load_file(directory / f"{name}.toml", defaults)


def selected_environments() -> list[str] | None:
    """The environments named by `DAILYDESK_ENVIRONMENTS` (None: all). Every selected file
    is validated before any stack is built, so a bad file stops the synth before it writes."""
    value = os.environ.get(ENVIRONMENTS_VARIABLE, "").strip()
    return [name.strip() for name in value.split(",") if name.strip()] or None


def load_environments(
    names: list[str] | None = None, directory: Path = ENVIRONMENTS_DIR, defaults: Path | None = DEFAULTS_FILE
) -> list[EnvironmentConfig]:
    """Load several environments, reporting every bad file at once, and each bad value
    once: one of defaults.toml is named once, not in every environment that uses it."""
    configs: list[EnvironmentConfig] = []
    errors: list[str] = []
    problems: list[Problem] = []
    for name in names or list(ENVIRONMENT_NAMES):
        try:
            configs.append(load_environment(name, directory, defaults))
        except ConfigError as error:
            if error.problems:
                problems.extend(error.problems)
            else:
                errors.append(str(error))
    if problems:
        invalid = ConfigError.invalid(problems)
        raise ConfigError("\n".join([*errors, str(invalid)]), invalid.problems)
    if errors:
        raise ConfigError("\n".join(errors))
    return configs
