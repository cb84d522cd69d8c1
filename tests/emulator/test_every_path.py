"""The deploy promise on the paths a change really takes, against the emulator, on a private
trimmed parent-local workspace (tests/emulator/parent_workspace.py):

1. the workspace is changed outside the engine (a `cdktf deploy`, a Terraform Cloud run or a
   plain `terraform apply` of a newer configuration), then an engine deploy fails: the
   rollback removes only what its own failed apply created, keeps what was done outside,
   names it and ends in ROLLBACK_FAILED with the next command; the last good record is not
   touched;
2. a saved plan the guard blocked (a stateful resource replaced after `terraform taint`) is
   refused by `make apply` unless ALLOW= names it.
"""

from __future__ import annotations

import json

import pytest

from tests import terraform_runs as terraform
from tests.emulator.engine_helpers import (
    final_status,
    lock_is_free,
    name_in_body,
    new_parameter_address,
    new_parameter_name,
    run_engine,
    updated_document,
)
from tests.emulator.parent_workspace import module_workspace, parameter_address, parameter_values
from tools.deploy import engine as deploy
from tools.deploy import exit_codes, last_good
from tools.deploy.engine import Options
from tools.emulator import faults

pytestmark = pytest.mark.emulator

QUIET = Options(show_changeset=False)
DENIED = "AccessDeniedException"


@pytest.fixture(scope="module")
def workspace(emulator_endpoint, tmp_path_factory):
    yield from module_workspace(tmp_path_factory, "every-path", emulator_endpoint)


@pytest.fixture(autouse=True)
def no_faults_left(emulator_endpoint):
    yield
    faults.clear_faults(emulator_endpoint)


def record_file(workspace):
    return workspace.root / "state" / "local" / "parent-local.last-good.json"


def test_a_rollback_never_destroys_what_was_applied_outside_the_engine(workspace, emulator_endpoint):
    assert run_engine(workspace, deploy.deploy, QUIET).code == exit_codes.OK
    recorded = record_file(workspace).read_text()
    assert last_good.Record.from_json(recorded).state is not None  # tied to the state it describes

    # Outside the engine: a newer configuration with one more parameter, applied as
    # `cdktf deploy` or a Terraform Cloud run would (the engine's record is not updated).
    outside = updated_document(workspace, new=("outside",))
    workspace.use(outside)
    terraform.apply(workspace.directory)
    outside_name = new_parameter_name(workspace, "outside")
    assert outside_name in parameter_values(workspace)

    # Then the engine deploys the next commit (the outside change and one more parameter);
    # the new parameter's create fails.
    workspace.use(updated_document(workspace, new=("outside", "extra_two")))
    deny = new_parameter_name(workspace, "extra_two")
    faults.set_faults(
        emulator_endpoint, {"action": "PutParameter", "code": DENIED, "body_contains": name_in_body(deny)}
    )

    run = run_engine(workspace, deploy.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert "the workspace changed outside the engine since its last good configuration" in run.output
    assert f"  added {new_parameter_address('outside')} (parent-local/parameters/outside)" in run.output
    assert "ROLLBACK_IN_PROGRESS parent-local: removing only what the failed apply created" in run.output
    assert final_status(run.output).startswith("ROLLBACK_FAILED parent-local")
    assert "next: deploy a configuration that includes what was applied outside the engine" in run.output
    # What was done outside is still there, in AWS and in state; nothing else was reverted.
    assert outside_name in parameter_values(workspace)
    assert new_parameter_address("outside") in workspace.addresses_in_state()
    assert deny not in parameter_values(workspace)
    # The record still says what the engine last applied; it was not rewritten to a guess.
    assert record_file(workspace).read_text() == recorded

    # The documented next step: a deploy of a configuration that includes the outside change
    # finds nothing to change and records it as the last good one.
    workspace.use(outside)
    assert lock_is_free(workspace.directory)  # (a plan without changes that may not wait for the lock)
    fixed = run_engine(workspace, deploy.deploy, QUIET)
    assert fixed.code == exit_codes.OK
    assert "last good configuration recorded" in fixed.output
    assert last_good.Record.from_json(record_file(workspace).read_text()).configuration == outside


def test_a_blocked_saved_plan_is_refused_by_apply_unless_allowed(workspace):
    jwt_expire = parameter_address(workspace.document(), "jwt_expire")
    terraform.run(workspace.directory, "taint", jwt_expire)  # the next plan replaces it: stateful
    plan_file = workspace.root / "plans" / "parent-local.tfplan"

    planned = run_engine(workspace, deploy.save_plan, QUIET, plan_file)

    assert planned.code == exit_codes.BLOCKED
    assert "the guard blocked this plan: make apply refuses it unless ALLOW= names" in planned.output
    metadata = json.loads(plan_file.with_name(plan_file.name + ".changeset.json").read_text())
    assert metadata["changeset"]["status"] == "blocked"

    refused = run_engine(workspace, deploy.apply_saved_plan, plan_file, QUIET)

    assert refused.code == exit_codes.BLOCKED
    assert "parent-local: not applied: the guard blocked this plan" in refused.output
    assert f"  {jwt_expire} (parent-local/parameters/jwt_expire)" in refused.output
    assert "UPDATE_COMPLETE" not in refused.output
    assert terraform.state_pull(workspace.directory)["resources"]  # unchanged, still tainted
    assert any(
        instance.get("status") == "tainted"
        for resource in terraform.state_pull(workspace.directory)["resources"]
        for instance in resource["instances"]
    )

    allowed = run_engine(
        workspace, deploy.apply_saved_plan, plan_file, Options(show_changeset=False, allowed=(jwt_expire,))
    )

    assert allowed.code == exit_codes.OK
    assert "UPDATE_COMPLETE parent-local" in allowed.output
    assert lock_is_free(workspace.directory)


def test_a_saved_plan_without_its_change_set_is_refused(workspace):
    plan_file = workspace.root / "plans" / "bare.tfplan"
    assert run_engine(workspace, deploy.save_plan, QUIET, plan_file).code == exit_codes.OK
    plan_file.with_name(plan_file.name + ".changeset.json").unlink()

    refused = run_engine(workspace, deploy.apply_saved_plan, plan_file, QUIET)

    assert refused.code == exit_codes.ERROR
    assert "has no change set beside it (bare.tfplan.changeset.json is missing)" in refused.output
