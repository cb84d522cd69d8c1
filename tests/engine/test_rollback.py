"""The engine's automatic rollback (tools/deploy/rollback.py), every branch run for real on a
fixture workspace (tests/engine/fixtures.py): Terraform plans and applies, the rollback plans,
guards and applies; only the resources are `terraform_data` instead of AWS's.

The one real-emulator proof of each claim is in tests/emulator/test_deploy_rollback.py
(an update rolled back, a first deploy rolled back, a hang cancelled and rolled back) and
tests/emulator/test_deploy_locks.py (a lock refused, a stale plan refused); docs/benchmark.md
lists each claim with its tests.
"""

from __future__ import annotations

import json

import pytest

from config import load_environment
from config.schema import CloudState
from tests import terraform_runs
from tests.engine.fixtures import FAIL, EngineFixture, Resource, final_status, marked, only_if
from tools import changeset
from tools.deploy import engine, exit_codes
from tools.deploy.engine import Options

QUIET = Options(show_changeset=False)
NEXT_ROLLBACK = "`make rollback STACK=parent-local`"


@pytest.fixture
def stateful(monkeypatch):
    """`terraform_data` counts as a stateful type (workspace/protection.py's list, for the guard)."""
    monkeypatch.setattr(changeset, "STATEFUL_RESOURCE_TYPES", frozenset({"terraform_data"}))


def test_an_update_failing_part_way_is_rolled_back_to_the_last_good_configuration(fixture):
    document = fixture.deployed({"a": Resource(), "b": Resource()})
    recorded = fixture.record_file.read_text()
    fixture.use({"a": Resource(input="v2"), "b": Resource(trigger="t2"), "c": Resource(provisioner=FAIL)})

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLED_BACK
    assert "CREATE_FAILED terraform_data.c (parent-local/c): " in run.output
    assert "ROLLBACK_IN_PROGRESS parent-local: back to the last good configuration (commit" in run.output
    assert final_status(run.output) == (
        "ROLLBACK_COMPLETE parent-local: the workspace is back to what it was before the failed apply"
    )
    assert fixture.inputs() == {"a": "v1", "b": "v1"}
    assert fixture.triggers() == {"a": "t1", "b": "t1"}  # `b` replaced back, not left at t2
    assert fixture.record().configuration == document
    assert fixture.record().state != json.loads(recorded)["state"]  # brought to the state the rollback left
    assert fixture.lock_is_free()


def test_a_first_deploy_failing_removes_what_it_created(fixture):
    fixture.use({"a": Resource(), "b": Resource(input="${terraform_data.a.output}", provisioner=FAIL)})

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLED_BACK
    assert "removing what the failed apply created (no last good configuration yet: first deploy)" in run.output
    assert final_status(run.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {}
    assert fixture.record() is None


def test_a_failed_rollback_is_rollback_failed_then_make_rollback_completes_it(fixture):
    # `a` fails to be created while the switch file exists; the failed apply's `b` creates it.
    switch = fixture.root / "switch"
    document = fixture.deployed({"a": Resource(provisioner=only_if(switch, FAIL))})
    fixture.use({"b": Resource(provisioner=marked(switch, FAIL))})  # removes `a`, then fails

    failed = fixture.run(engine.deploy, QUIET)

    assert failed.code == exit_codes.ROLLBACK_FAILED
    assert "CREATE_FAILED terraform_data.a (parent-local/a): " in failed.output  # the rollback's own create
    assert final_status(failed.output) == (
        "ROLLBACK_FAILED parent-local: the workspace is left between the two configurations"
    )
    assert NEXT_ROLLBACK in failed.output
    assert fixture.inputs() == {"a": "v1 (tainted)"}
    assert fixture.lock_is_free()

    switch.unlink()
    resumed = fixture.run(engine.continue_rollback, Options())

    assert resumed.code == exit_codes.OK
    assert final_status(resumed.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"a": "v1"}
    assert fixture.record().configuration == document


def test_rollback_false_keeps_the_partial_apply_and_make_rollback_undoes_it(fixture):
    fixture.deployed({"a": Resource()})
    fixture.use({"a": Resource(input="v2"), "b": Resource(), "c": Resource(input="${terraform_data.b.output}",
                                                                            provisioner=FAIL)})  # fmt: skip

    kept = fixture.run(engine.deploy, Options(show_changeset=False, rollback=False))

    assert kept.code == exit_codes.LEFT_AS_IS
    assert final_status(kept.output).startswith("LEFT_AS_IS parent-local: not rolled back (ROLLBACK=false)")
    assert NEXT_ROLLBACK in final_status(kept.output)
    assert fixture.inputs() == {"a": "v2", "b": "v1", "c": "v1 (tainted)"}

    undone = fixture.run(engine.continue_rollback, Options())

    assert undone.code == exit_codes.OK
    assert final_status(undone.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"a": "v1"}


def test_what_was_applied_outside_the_engine_is_kept_and_named(fixture):
    fixture.deployed({"a": Resource()})
    recorded = fixture.record_file.read_text()
    # `cdktf deploy`, a Terraform Cloud run or a plain `terraform apply` of a newer configuration.
    outside = fixture.use({"a": Resource(), "outside": Resource()})
    terraform_runs.apply(fixture.directory)
    fixture.use(
        {"a": Resource(), "outside": Resource(), "new": Resource(),
         "bad": Resource(input="${terraform_data.new.output}", provisioner=FAIL)}
    )  # fmt: skip

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert "the workspace changed outside the engine since its last good configuration (commit" in run.output
    assert "  added terraform_data.outside (parent-local/outside)" in run.output.splitlines()
    assert "ROLLBACK_IN_PROGRESS parent-local: removing only what the failed apply created" in run.output
    assert "removed the 2 resource(s) the failed apply created" in run.output
    assert final_status(run.output).startswith("ROLLBACK_FAILED parent-local: what was done outside the engine is kept")
    assert "next: deploy a configuration that includes what was applied outside the engine" in run.output
    assert fixture.inputs() == {"a": "v1", "outside": "v1"}
    assert fixture.record_file.read_text() == recorded  # not rewritten to a guess

    # The documented next step: deploying what was applied outside records it.
    fixture.use({"a": Resource(), "outside": Resource()})
    fixed = fixture.run(engine.deploy, QUIET)
    assert fixed.code == exit_codes.OK
    assert "last good configuration recorded" in fixed.output
    assert fixture.record().configuration == outside


def test_removing_what_the_failed_apply_created_never_reaches_older_resources(fixture):
    fixture.deployed({"a": Resource()})
    fixture.use({"a": Resource(), "outside": Resource()})
    terraform_runs.apply(fixture.directory)  # applied outside the engine
    # The failed apply creates `new` and makes the older `outside` depend on it.
    fixture.use(
        {"a": Resource(), "new": Resource(), "outside": Resource(input="${terraform_data.new.output}"),
         "bad": Resource(input="${terraform_data.outside.output}", provisioner=FAIL)}
    )  # fmt: skip

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    lines = run.output.splitlines()
    assert (
        "removing what the failed apply created would also change resources that existed before "
        "(they depend on it); nothing was rolled back:"
    ) in lines
    assert "  delete terraform_data.outside (parent-local/outside)" in lines
    assert fixture.inputs() == {"a": "v1", "new": "v1", "outside": "v1", "bad": "v1 (tainted)"}
    assert fixture.lock_is_free()


def test_the_rollback_guard_refuses_to_replace_an_older_stateful_resource_unless_allowed(fixture, stateful):
    fixture.deployed({"db": Resource()})
    fixture.use({"db": Resource(trigger="t2"), "bad": Resource(provisioner=FAIL)})
    kept = fixture.run(engine.deploy, Options(show_changeset=False, rollback=False, allowed=("terraform_data.db",)))
    assert kept.code == exit_codes.LEFT_AS_IS

    refused = fixture.run(engine.continue_rollback, Options())

    assert refused.code == exit_codes.ROLLBACK_FAILED
    lines = refused.output.splitlines()
    assert (
        "the rollback plan removes or replaces stateful resources that existed before the failed apply "
        "(workspace/protection.py); nothing was rolled back:"
    ) in lines
    assert "  Replace terraform_data.db (parent-local/db)" in lines
    assert 'if that is intended: make rollback STACK=parent-local ALLOW="terraform_data.db"' in lines
    assert fixture.inputs() == {"db": "v1", "bad": "v1 (tainted)"}  # nothing applied

    allowed = fixture.run(engine.continue_rollback, Options(allowed=("terraform_data.db",)))

    assert allowed.code == exit_codes.OK
    assert final_status(allowed.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"db": "v1"}


def test_without_a_saved_configuration_only_what_the_failed_apply_created_is_removed(tmp_path):
    # Terraform Cloud keeps no last good configuration of ours (workspace/state_locations.py).
    config = load_environment("local").model_copy(
        update={"state": CloudState(backend="cloud", organization="dailydesk")}
    )
    cloud = EngineFixture(tmp_path, config)
    cloud.deployed({"a": Resource()})
    assert not cloud.record_file.exists()
    cloud.use({"a": Resource(input="v2"), "b": Resource(), "c": Resource(input="${terraform_data.b.output}",
                                                                          provisioner=FAIL)})  # fmt: skip

    run = cloud.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert (
        "ROLLBACK_IN_PROGRESS parent-local: removing what the failed apply created (the Terraform Cloud backend "
        "keeps no last good configuration of ours: " in run.output
    )
    assert "removed the 2 resource(s) the failed apply created" in run.output
    lines = run.output.splitlines()
    not_reverted = next(line for line in lines if line.startswith("not reverted ("))
    assert not_reverted.endswith("): resources that existed before and the failed apply changed:")
    assert "  terraform_data.a (parent-local/a)" in lines
    assert cloud.inputs() == {"a": "v2"}  # created ones removed; the changed one named, not reverted

    nothing = cloud.run(engine.continue_rollback, Options())
    assert nothing.code == exit_codes.ROLLBACK_FAILED
    assert "no last good configuration to roll back to (the Terraform Cloud backend keeps no last good" in (
        nothing.output
    )


def test_a_last_good_record_that_cannot_be_read_is_rollback_failed(fixture):
    fixture.deployed({"a": Resource()})
    fixture.record_file.write_text('{"format": 2, "configuration": ')  # cut off mid-write
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=FAIL)})

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert "cannot read the last good configuration: " in run.output
    assert final_status(run.output).startswith("ROLLBACK_FAILED parent-local")
    assert NEXT_ROLLBACK in run.output
    assert fixture.inputs() == {"a": "v2", "b": "v1 (tainted)"}  # left as the failed apply left it
    assert fixture.lock_is_free()


def test_a_blocked_saved_plan_is_refused_by_apply_unless_allowed(fixture, stateful):
    fixture.deployed({"db": Resource()})
    terraform_runs.run(fixture.directory, "taint", "terraform_data.db")  # the next plan replaces it
    plan_file = fixture.root / "plans" / "parent-local.tfplan"
    plan_file.parent.mkdir()

    planned = fixture.run(engine.save_plan, QUIET, plan_file)

    assert planned.code == exit_codes.BLOCKED
    assert "the guard blocked this plan: make apply refuses it unless ALLOW= names" in planned.output
    metadata = json.loads(plan_file.with_name(plan_file.name + ".changeset.json").read_text())
    assert metadata["changeset"]["status"] == "blocked"

    refused = fixture.run(engine.apply_saved_plan, plan_file, QUIET)

    assert refused.code == exit_codes.BLOCKED
    assert "parent-local: not applied: the guard blocked this plan" in refused.output
    assert "  terraform_data.db (parent-local/db)" in refused.output.splitlines()
    assert fixture.inputs() == {"db": "v1 (tainted)"}

    applied = fixture.run(engine.apply_saved_plan, plan_file, Options(show_changeset=False,
                                                                      allowed=("terraform_data.db",)))  # fmt: skip

    assert applied.code == exit_codes.OK
    assert fixture.inputs() == {"db": "v1"}
