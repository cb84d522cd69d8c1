"""Thin, typed wrappers over the terraform CLI for one synthesized stack directory.

The short commands of the tools (init, validate, show -json, state pull): every call runs
with the project's CLI config (provider mirror), no colour, no prompts. The long ones
(plan, apply) run through tools/terraform/process.py, which can stop them the way
Terraform supports.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.paths import TERRAFORM_CLI_CONFIG, TERRAFORM_PLUGIN_CACHE

# `terraform plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes.
NO_CHANGES, ERROR, CHANGES = 0, 1, 2


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str


class TerraformError(Exception):
    def __init__(self, args: list[str], result: Result) -> None:
        super().__init__(f"terraform {' '.join(args)} failed ({result.returncode}):\n{result.output[-3000:]}")
        self.result = result


def environment() -> dict[str, str]:
    """The process environment every Terraform (and cdktf) command of the project runs in."""
    env = dict(os.environ)
    # Always the project's CLI config (provider mirror), whatever the machine sets.
    env["TF_CLI_CONFIG_FILE"] = str(TERRAFORM_CLI_CONFIG)
    env.setdefault("TF_PLUGIN_CACHE_DIR", str(TERRAFORM_PLUGIN_CACHE))
    Path(env["TF_PLUGIN_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    # The AWS provider builds its whole schema at every start (several seconds of CPU per
    # Terraform command); collecting garbage less often saves ~25% of that CPU for ~20% more
    # memory (measured: terraform validate 6.6 -> 5.0 s of CPU, 620 -> 760 MB).
    env.setdefault("GOGC", "400")
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    env["CHECKPOINT_DISABLE"] = "1"
    return env


@contextlib.contextmanager
def plugin_cache_lock() -> Iterator[None]:
    """Hold while `terraform init` runs: one init at a time per plugin cache, across processes.

    Terraform's plugin cache is not safe for concurrent use: two inits at once (backend and
    frontend of one deploy, parallel test workers) can fail with "after installing
    registry.terraform.io/hashicorp/aws it is still not detected in .terraform/providers;
    this is a bug in Terraform". An init from the cache takes ~1 s, so waiting costs little."""
    cache = Path(environment()["TF_PLUGIN_CACHE_DIR"])
    with (cache / ".init.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(directory: Path, *args: str, check: bool = True, timeout: float | None = 900) -> Result:
    binary = shutil.which("terraform")
    if binary is None:
        raise RuntimeError("terraform is not on PATH: install Terraform 1.11.x")
    with plugin_cache_lock() if args[:1] == ("init",) else contextlib.nullcontext():
        completed = subprocess.run(
            [binary, f"-chdir={directory}", *args],
            env=environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    result = Result(completed.returncode, completed.stdout + completed.stderr)
    if check and completed.returncode != 0:
        raise TerraformError(list(args), result)
    return result


def init(directory: Path, *, backend: bool = True) -> Result:
    return run(directory, "init", "-no-color", "-input=false", f"-backend={'true' if backend else 'false'}")


def validate(directory: Path) -> dict[str, Any]:
    """`terraform validate -json` (needs `init`, backend optional): {"valid": bool, "diagnostics": [...]}."""
    document: dict[str, Any] = json.loads(run(directory, "validate", "-json", "-no-color", check=False).output)
    return document


def show_json(directory: Path, plan_file: str = "tfplan") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(run(directory, "show", "-json", plan_file).output)
    return document


def state_pull(directory: Path) -> dict[str, Any]:
    """The raw state document (`terraform state pull`: needs `init`, never takes the lock)."""
    binary = shutil.which("terraform")
    if binary is None:
        raise RuntimeError("terraform is not on PATH: install Terraform 1.11.x")
    completed = subprocess.run(
        [binary, f"-chdir={directory}", "state", "pull"],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise TerraformError(["state", "pull"], Result(completed.returncode, completed.stdout + completed.stderr))
    document: dict[str, Any] = json.loads(completed.stdout) if completed.stdout.strip() else {}
    return document
