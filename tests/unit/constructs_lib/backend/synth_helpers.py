"""Helpers for the backend synth tests: the environments they run on and the container
definition (blocks, references and statements are in `tests.synth`)."""

from __future__ import annotations

import json
import re

from tests.synth import resources

ENVIRONMENTS = ("dev", "prod", "local")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def container(stack: dict) -> dict:
    """The one container definition of the task definition.

    Interpolations may hold quoted map keys (`parameter_arns["rds/password"]`), valid in a
    Terraform template but not in JSON: they are kept with single quotes for parsing.
    """
    (task_definition,) = resources(stack, "aws_ecs_task_definition").values()
    text = _INTERPOLATION.sub(lambda match: match.group(0).replace('"', "'"), task_definition["container_definitions"])
    (definition,) = json.loads(text)
    return definition


def single_quoted(expression: str) -> str:
    """An expression as `container()` returns it (quotes inside interpolations made single)."""
    return expression.replace('"', "'")
