"""Helpers for the backend synth tests: the environments they run on and the container
definition (blocks, references and statements are in `tests.synth`)."""

from __future__ import annotations

import json

from tests.synth import resources

ENVIRONMENTS = ("dev", "prod", "local")


def container(stack: dict) -> dict:
    """The one container definition of the task definition.

    Interpolations may hold quoted strings (`parameter_arns["rds/password"]`, the bootstrap
    image inside the image expression, itself with an interpolation), valid in a Terraform
    template but not in JSON: they are kept with single quotes for parsing.
    """
    (task_definition,) = resources(stack, "aws_ecs_task_definition").values()
    (definition,) = json.loads(_single_quoted_inside_interpolations(task_definition["container_definitions"]))
    return definition


def _single_quoted_inside_interpolations(text: str) -> str:
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            out.append("${")
            i += 2
            continue
        char = text[i]
        if char == "}" and depth:
            depth -= 1
        out.append("'" if char == '"' and depth else char)
        i += 1
    return "".join(out)


def single_quoted(expression: str) -> str:
    """An expression as `container()` returns it (quotes inside interpolations made single)."""
    return expression.replace('"', "'")
