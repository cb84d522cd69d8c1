"""An exception during the rollback (a state pull that fails, a Terraform call that times
out, anything) ends in ROLLBACK_FAILED with the next command, never a traceback with exit 1
(issue 20, section 6). The failing call is replaced; the rest is the fixture's real Terraform."""

from __future__ import annotations

import subprocess

import pytest

from tests.engine.fixtures import FAIL, Resource
from tools.deploy import engine, exit_codes, rollback
from tools.deploy.engine import Options
from tools.terraform.cli import Result, TerraformError

QUIET = Options(show_changeset=False)
ERRORS = {
    "state-pull-error": TerraformError(["state", "pull"], Result(1, "Error: Failed to load state")),
    "timeout": subprocess.TimeoutExpired(["terraform", "state", "pull"], 300),
    "anything": KeyError("resources"),
}


def failing(error: Exception):
    def state_pull(directory):
        raise error

    return state_pull


@pytest.mark.parametrize("first_deploy", [False, True], ids=["to-last-good", "first-deploy"])
@pytest.mark.parametrize("error", ERRORS.values(), ids=ERRORS.keys())
def test_an_exception_during_the_rollback_is_rollback_failed_with_the_next_command(
    fixture, monkeypatch, error, first_deploy
):
    if not first_deploy:
        fixture.use({"a": Resource()})
        assert fixture.run(engine.deploy, QUIET).code == exit_codes.OK
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=FAIL)})
    monkeypatch.setattr(rollback.terraform, "state_pull", failing(error))

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    lines = run.output.splitlines()
    assert f"the rollback stopped on an error: {type(error).__name__}: {error}\n" in run.output
    assert "ROLLBACK_FAILED parent-local: the workspace is left between the two configurations" in lines
    assert any(line.startswith("next: ") and "`make rollback STACK=parent-local`" in line for line in lines)
    assert "Traceback" not in run.output


def test_continue_rollback_after_an_exception_is_rollback_failed_too(fixture, monkeypatch):
    fixture.use({"a": Resource()})
    assert fixture.run(engine.deploy, QUIET).code == exit_codes.OK
    monkeypatch.setattr(rollback.terraform, "state_pull", failing(ERRORS["timeout"]))

    run = fixture.run(engine.continue_rollback, Options())

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert "the rollback stopped on an error: TimeoutExpired: " in run.output
