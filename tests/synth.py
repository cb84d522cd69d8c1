"""Helpers to read synthesized stacks: resources by type, values without cdktf metadata."""

from __future__ import annotations

from typing import Any


def resources(stack: dict, resource_type: str) -> dict[str, dict]:
    """All resources of one type in a synthesized stack, by logical ID."""
    return stack.get("resource", {}).get(resource_type, {})


def data_sources(stack: dict, data_type: str) -> dict[str, dict]:
    return stack.get("data", {}).get(data_type, {})


def only(stack: dict, resource_type: str) -> dict:
    """The single resource of a type; fails when there are none or several."""
    found = resources(stack, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def by_path(stack: dict, resource_type: str, path_suffix: str) -> dict:
    """The resource of a type whose construct path ends in `path_suffix`."""
    matches = [
        r for r in resources(stack, resource_type).values() if r["//"]["metadata"]["path"].endswith(path_suffix)
    ]
    assert len(matches) == 1, f"{len(matches)} {resource_type} with path ending {path_suffix!r}"
    return matches[0]


def resource_counts(stack: dict) -> dict[str, int]:
    return {rtype: len(items) for rtype, items in stack.get("resource", {}).items()}


def strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value
