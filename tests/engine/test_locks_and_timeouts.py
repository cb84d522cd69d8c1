"""A hang cancelled at the timeout, a held state lock and a stale saved plan, on a fixture
workspace (tests/engine/fixtures.py) with the local backend and its lock. The same three
claims against the emulator with the real provider and the S3 backend's lock file:
tests/emulator/test_deploy_rollback.py (the hang) and tests/emulator/test_deploy_locks.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

from tests import terraform_runs as terraform
from tests.engine.fixtures import STACK, Resource, final_status, hang, marked, wait_for
from tools.deploy import engine, exit_codes
from tools.deploy.engine import Options

QUIET = Options(show_changeset=False)
FAIL_FAST_SECONDS = 20


def test_a_hang_is_cancelled_at_the_timeout_then_rolled_back(fixture):
    fixture.deployed({"a": Resource()})
    in_flight = fixture.root / "in-flight"
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=marked(in_flight, hang(600)))})

    started = time.monotonic()
    run = fixture.run(engine.deploy, Options(show_changeset=False, timeout="5s"))

    assert run.code == exit_codes.ROLLED_BACK
    assert time.monotonic() - started < 60  # not the provisioner's 600 s
    lines = run.output.splitlines()
    cancelled = next(i for i, line in enumerate(lines) if line.startswith("CANCELLED parent-local"))
    assert "the apply ran past its timeout of 5 s" in lines[cancelled]
    assert re.fullmatch(r"  in flight: create terraform_data\.b \(parent-local/b\), for \d+ s", lines[cancelled + 1])
    assert final_status(run.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert lines.index(final_status(run.output)) > cancelled
    assert fixture.inputs() == {"a": "v1"}
    assert fixture.lock_is_free()


def test_reviews_run_under_a_held_lock_and_deploys_fail_fast(fixture):
    fixture.deployed({"a": Resource()})
    fixture.use({"a": Resource(input="v2")})
    # The holder: another apply of the same state (its directory at the same depth, so the
    # relative state path is the same file), waiting at its approval prompt with the lock held.
    holder_directory = fixture.outdir / "holder" / STACK
    holder_directory.mkdir(parents=True)
    shutil.copy(fixture.workspace.configuration_file, holder_directory / "cdk.tf.json")
    terraform.init(holder_directory)
    environment = {k: v for k, v in terraform.environment().items() if k != "TF_INPUT"}
    holder = subprocess.Popen(
        [shutil.which("terraform"), f"-chdir={holder_directory}", "apply", "-no-color"],
        env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # The local backend's lock: a flock on the state file, its holder written beside it.
    lock_info = fixture.state_file.with_name(f".{fixture.state_file.name}.lock.info")
    try:
        wait_for(lock_info)
        before = fixture.state_file.read_text()

        plan_file = fixture.root / "plans" / "parent-local.tfplan"
        plan_file.parent.mkdir()
        assert fixture.run(engine.save_plan, QUIET, plan_file).code == exit_codes.CHANGES  # make plan
        assert fixture.run(lambda ws, ctx: engine.plan_for_review(ws, ctx, QUIET)[0]).code == exit_codes.CHANGES

        started = time.monotonic()
        deployed = fixture.run(engine.deploy, QUIET)
        assert deployed.code == exit_codes.ERROR
        assert "parent-local: the state is locked by another operation (ID " in deployed.output
        assert "nothing was changed" in deployed.output
        assert time.monotonic() - started < FAIL_FAST_SECONDS

        started = time.monotonic()
        applied = fixture.run(engine.apply_saved_plan, plan_file, QUIET)
        assert applied.code == exit_codes.ERROR
        assert "the state is locked by another operation" in applied.output
        assert time.monotonic() - started < FAIL_FAST_SECONDS

        assert fixture.state_file.read_text() == before
    finally:
        out, _ = holder.communicate("no\n", timeout=60)
    assert "Apply cancelled" in out
    assert fixture.lock_is_free()  # released by its holder on the way out
    assert fixture.inputs() == {"a": "v1"}


def test_a_stale_saved_plan_is_refused_and_changes_nothing(fixture):
    fixture.deployed({"a": Resource()})
    fixture.use({"a": Resource(input="planned")})
    plan_file = fixture.root / "plans" / "parent-local.tfplan"
    plan_file.parent.mkdir()
    assert fixture.run(engine.save_plan, QUIET, plan_file).code == exit_codes.CHANGES
    fixture.deployed({"a": Resource(input="applied meanwhile")})  # another apply, after the plan
    before = fixture.state_file.read_text()

    stale = fixture.run(engine.apply_saved_plan, plan_file, QUIET)

    assert stale.code == exit_codes.ERROR
    assert "the state changed since this plan was made: plan again (make plan STACK=parent-local)" in stale.output
    assert "ROLLBACK" not in stale.output  # nothing was applied, so nothing to roll back
    assert fixture.state_file.read_text() == before
    assert fixture.inputs() == {"a": "applied meanwhile"}
