"""`terraform validate` accepts every synthesized stack (provider from the local mirror).

All 12 stacks are validated by one Terraform run: a root module that calls each stack
directory as a child module. Terraform validates a child module as fully as a root one
(every resource, data source and expression against the provider's schema); only its
backend block is ignored, with a warning. One run starts the provider once instead of 12
times (~12 s instead of ~70 s on 2 cores)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.configs import STACKS
from tools.terraform import cli as terraform

pytestmark = pytest.mark.plan

IGNORED_BACKEND = "Backend configuration ignored"


def validate_as_modules(root: Path, stack_dirs: dict[str, Path]) -> dict:
    modules = {}
    for stack, source in stack_dirs.items():
        (root / stack).mkdir(parents=True)
        shutil.copy(source / "cdk.tf.json", root / stack / "cdk.tf.json")
        modules[stack.replace("-", "_")] = {"source": f"./{stack}"}
    (root / "main.tf.json").write_text(json.dumps({"module": modules}))
    terraform.init(root, backend=False)
    return terraform.validate(root)


def diagnostics_of(result: dict, stack: str, severity: str) -> list[dict]:
    return [
        d
        for d in result["diagnostics"]
        if d["severity"] == severity and d.get("range", {}).get("filename", "").startswith(f"{stack}/")
    ]


BROKEN = "broken-parent-local"  # a copy of parent-local with one argument no schema has


def broken_copy(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    document = json.loads((source / "cdk.tf.json").read_text())
    parameter = next(iter(document["resource"]["aws_ssm_parameter"].values()))
    parameter["no_such_argument"] = "x"
    (target / "cdk.tf.json").write_text(json.dumps(document))
    return target


@pytest.fixture(scope="module")
def validated(synthesized, tmp_path_factory) -> dict:
    """One validate of the 12 stacks and of BROKEN, which proves in the same run that an
    error is caught and named by its stack."""
    stack_dirs = {stack: synthesized.stack_dir(stack) for stack in STACKS}
    stack_dirs[BROKEN] = broken_copy(synthesized.stack_dir("parent-local"), tmp_path_factory.mktemp("broken") / BROKEN)
    return validate_as_modules(tmp_path_factory.mktemp("validate"), stack_dirs)


def test_only_the_broken_copy_is_invalid(validated):
    errors = [d for d in validated["diagnostics"] if d["severity"] == "error"]
    assert not validated["valid"] and validated["error_count"] == 1
    assert errors == diagnostics_of(validated, BROKEN, "error")


@pytest.mark.parametrize("stack", STACKS)
def test_terraform_validate(validated, stack):
    assert diagnostics_of(validated, stack, "error") == []
    # The only warning a stack may have is the ignored backend of a child module.
    assert {d["summary"] for d in diagnostics_of(validated, stack, "warning")} <= {IGNORED_BACKEND}


def test_an_invalid_stack_is_caught_and_named(validated):
    [error] = diagnostics_of(validated, BROKEN, "error")
    assert error["summary"] == "Extraneous JSON object property"
    assert "no_such_argument" in error["detail"]
