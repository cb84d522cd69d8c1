"""Helpers for the delivery-pipeline synth tests: blocks by construct path, references,
policy statements, CodeBuild variables."""

from __future__ import annotations

from collections.abc import Iterator

PIPELINE_ENVIRONMENTS = ("dev", "staging", "prod", "local")


def entry(stack: dict, block_type: str, path_suffix: str, *, data: bool = False) -> tuple[str, dict]:
    """(logical ID, body) of the one resource or data source whose construct path ends in `path_suffix`."""
    blocks = stack.get("data" if data else "resource", {}).get(block_type, {})
    found = [(key, b) for key, b in blocks.items() if b["//"]["metadata"]["path"].endswith(path_suffix)]
    assert len(found) == 1, f"{len(found)} {block_type} with path ending {path_suffix!r}"
    return found[0]


def body(stack: dict, block_type: str, path_suffix: str, *, data: bool = False) -> dict:
    return entry(stack, block_type, path_suffix, data=data)[1]


def ref(stack: dict, block_type: str, path_suffix: str, attribute: str, *, data: bool = False) -> str:
    key, _ = entry(stack, block_type, path_suffix, data=data)
    prefix = f"data.{block_type}" if data else block_type
    return f"${{{prefix}.{key}.{attribute}}}"


def statements(stack: dict, document_path_suffix: str) -> dict[str, dict]:
    """Statements of a policy document data source, by sid."""
    document = body(stack, "aws_iam_policy_document", document_path_suffix, data=True)
    return {s.get("sid", ""): s for s in document["statement"]}


def documents_under(stack: dict, path_part: str) -> Iterator[tuple[str, dict]]:
    """Every policy document whose construct path contains `path_part`."""
    for key, document in stack.get("data", {}).get("aws_iam_policy_document", {}).items():
        if path_part in document["//"]["metadata"]["path"]:
            yield key, document


def variables(project: dict) -> dict[str, tuple[str, str]]:
    """CodeBuild environment variables: name -> (type, value)."""
    return {v["name"]: (v["type"], v["value"]) for v in project["environment"]["environment_variable"]}


def parent_output(stack: dict, output: str, key: str | None = None) -> str:
    """The expression a stack writes for a parent output (or one key of a map output)."""
    (state,) = stack["data"]["terraform_remote_state"]  # the parent's, the only one
    suffix = f'["{key}"]' if key else ""
    return f"${{data.terraform_remote_state.{state}.outputs.{output}{suffix}}}"
