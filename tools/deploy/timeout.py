"""The deploy timeout: `[deploy] timeout_minutes` of the environment, or `TIMEOUT=` for one run."""

from __future__ import annotations

import re

from config.schema import EnvironmentConfig

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h)?")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, None: 60}
MAX_SECONDS = 24 * 3600


def parse_timeout(text: str) -> float:
    """Seconds from `90s`, `30m`, `1h` or plain minutes (`45`); a ValueError that says how to write it."""
    found = _DURATION.fullmatch(text.strip().lower())
    seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2)] if found else 0.0
    if not found or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(
            f"TIMEOUT={text!r} is not a timeout: write seconds (90s), minutes (30m, or just 30) or hours (1h), "
            "more than 0 and at most 24h"
        )
    return seconds


def resolve(config: EnvironmentConfig, override: str | None) -> float:
    """The run's override if given, else the environment's `[deploy] timeout_minutes`, in seconds."""
    return parse_timeout(override) if override else config.deploy.timeout_minutes * 60.0


def describe(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"
