"""Helpers for the backend synth tests: references, policy statements, container definitions."""

from __future__ import annotations

import json
import re

from tests.synth import resources

ENVIRONMENTS = ("dev", "prod", "local")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


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


def container(stack: dict) -> dict:
    """The one container definition of the task definition.

    Interpolations may hold quoted map keys (`parameter_arns["rds/password"]`), valid in a
    Terraform template but not in JSON: they are kept with single quotes for parsing.
    """
    (task_definition,) = resources(stack, "aws_ecs_task_definition").values()
    text = _INTERPOLATION.sub(lambda match: match.group(0).replace('"', "'"), task_definition["container_definitions"])
    (definition,) = json.loads(text)
    return definition


def parent_lookup(stack: dict, output: str, key: str | None = None) -> str:
    """The expression of a parent output, or of one key of a map output, as synthesized."""
    (state_id,) = stack["data"]["terraform_remote_state"]
    expression = f"data.terraform_remote_state.{state_id}.outputs.{output}"
    return f'${{{expression}["{key}"]}}' if key is not None else f"${{{expression}}}"


def single_quoted(expression: str) -> str:
    """An expression as `container()` returns it (quotes inside interpolations made single)."""
    return expression.replace('"', "'")
