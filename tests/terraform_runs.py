"""Terraform as only the tests run it: a raw plan or apply outside the deploy engine, to set
a scene or to look at one. The production wrapper's verbs (tools/terraform/cli.py) are
re-exported, so a test imports one module."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from tools.changeset import ChangeSet, parse_plan
from tools.deploy.workspace import construct_paths
from tools.terraform import cli
from tools.terraform.cli import (
    CHANGES,
    ERROR,
    NO_CHANGES,
    Result,
    TerraformError,
    environment,
    init,
    run,
    show_json,
    state_pull,
    validate,
)

__all__ = [
    "CHANGES",
    "ERROR",
    "NO_CHANGES",
    "Result",
    "TerraformError",
    "apply",
    "apply_saved_plan",
    "environment",
    "init",
    "plan",
    "plan_stack",
    "run",
    "show_json",
    "state_pull",
    "validate",
]

DEFAULT_PLAN_FILE = "tfplan"


def plan(directory: Path, plan_file: str = DEFAULT_PLAN_FILE, *extra: str) -> int:
    """Writes `plan_file`; returns the detailed exit code (NO_CHANGES / CHANGES)."""
    result = run(
        directory, "plan", "-no-color", "-input=false", "-detailed-exitcode", f"-out={plan_file}", *extra, check=False
    )
    if result.returncode not in (NO_CHANGES, CHANGES):
        raise TerraformError(["plan", *extra], result)
    return result.returncode


def apply(directory: Path, *extra: str) -> Result:
    return run(directory, "apply", "-no-color", "-input=false", "-auto-approve", *extra)


def apply_saved_plan(directory: Path, plan_file: str = DEFAULT_PLAN_FILE) -> int:
    """Apply a saved plan outside the engine; Terraform's exit code."""
    binary = shutil.which("terraform")
    assert binary is not None, "terraform is not on PATH"
    command = [binary, f"-chdir={directory}", "apply", "-input=false", plan_file]
    return subprocess.run(command, env=environment(), check=False).returncode


def plan_stack(
    stack_dir: Path,
    *,
    allowed: Iterable[str] = (),
    plan_file: str = DEFAULT_PLAN_FILE,
    extra: Iterable[str] = (),
    init: bool = True,
) -> ChangeSet:
    """init + plan (saved as `plan_file` in the stack directory) + show -json -> change set."""
    if init:
        cli.init(stack_dir)
    plan(stack_dir, plan_file, *extra)
    synthesized = json.loads((stack_dir / "cdk.tf.json").read_text())
    return parse_plan(
        stack_dir.name, show_json(stack_dir, plan_file), paths=construct_paths(synthesized), allowed=allowed
    )
