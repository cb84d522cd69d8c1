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


def entry(stack: dict, block_type: str, path_suffix: str, *, data: bool = False) -> tuple[str, dict]:
    """(logical ID, body) of the one resource (or data source) whose construct path ends in `path_suffix`."""
    blocks = stack.get("data" if data else "resource", {}).get(block_type, {})
    found = [(key, body) for key, body in blocks.items() if body["//"]["metadata"]["path"].endswith(path_suffix)]
    assert len(found) == 1, f"{len(found)} {block_type} with path ending {path_suffix!r}"
    return found[0]


def body(stack: dict, block_type: str, path_suffix: str, *, data: bool = False) -> dict:
    return entry(stack, block_type, path_suffix, data=data)[1]


def ref(stack: dict, block_type: str, path_suffix: str, attribute: str, *, data: bool = False) -> str:
    """The Terraform expression cdktf writes for an attribute of that resource."""
    key, _ = entry(stack, block_type, path_suffix, data=data)
    prefix = f"data.{block_type}" if data else block_type
    return f"${{{prefix}.{key}.{attribute}}}"


def statements(stack: dict, document_path_suffix: str) -> dict[str, dict]:
    """Statements of a policy document data source, by sid."""
    document = body(stack, "aws_iam_policy_document", document_path_suffix, data=True)
    return {statement.get("sid", ""): statement for statement in document["statement"]}


def parent_output(stack: dict, output: str, key: str | None = None) -> str:
    """The expression a stack writes for a parent output, or for one key of a map output."""
    (state_id,) = stack["data"]["terraform_remote_state"]  # the parent's, the only one
    expression = f"data.terraform_remote_state.{state_id}.outputs.{output}"
    return f'${{{expression}["{key}"]}}' if key is not None else f"${{{expression}}}"


def resource_counts(stack: dict) -> dict[str, int]:
    return {rtype: len(items) for rtype, items in stack.get("resource", {}).items()}


def strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value
