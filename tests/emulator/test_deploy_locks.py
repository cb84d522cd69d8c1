"""Saved plans and state locks with the deploy engine, against the emulator, on a private
parent-local workspace whose state is in S3 (a bucket in the emulator) with the native lock
file (`use_lockfile`), as dev/staging/prod keep it:

1. `make plan` then `make apply` of a plan whose state has moved since (another apply ran in
   between): Terraform refuses it, the engine says "plan again", nothing changes;
2. while another apply holds the lock (waiting at its approval prompt): a raw `terraform apply
   -lock-timeout=0s` fails at once (Terraform's own semantics, which the engine relies on); the
   engine's reviews (`make plan`, `make diff`) and `make drift` still run, as they never take the
   lock; `make deploy` and `make apply` fail fast on it and change nothing; the lock goes with
   its holder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from tests.emulator.engine_helpers import run_engine, shown_state
from tests.emulator.parent_workspace import client, module_workspace, parameter, parameter_address, parameter_values
from tools import drift
from tools.deploy import engine as deploy
from tools.deploy import exit_codes
from tools.deploy.engine import Options
from tools.terraform import cli as terraform
from workspace.providers import emulator_credentials

pytestmark = pytest.mark.emulator

BUCKET = "dailydesk-local-terraform-state"
KEY = "dailydesk/local/parent.tfstate"
LOCK = KEY + ".tflock"
LOCK_ERROR = "Error acquiring the state lock"
FAIL_FAST_SECONDS = 30
QUIET = Options(show_changeset=False)


def with_s3_backend(document: dict, config) -> dict:
    document = json.loads(json.dumps(document))
    document["terraform"]["backend"] = {
        "s3": {
            "bucket": BUCKET,
            "key": KEY,
            "region": config.region,
            "encrypt": True,
            "use_lockfile": True,
            "use_path_style": True,
            "endpoints": {"s3": config.emulator.endpoint},
            **emulator_credentials(),
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": True,
        }
    }
    return document


@pytest.fixture(scope="module")
def workspace(emulator_endpoint, tmp_path_factory):
    steps = module_workspace(tmp_path_factory, "locks", emulator_endpoint)
    workspace = next(steps)
    client("s3", workspace.config).create_bucket(Bucket=BUCKET)
    workspace.original = with_s3_backend(workspace.original, workspace.config)
    workspace.restore()
    terraform.run(workspace.directory, "init", "-reconfigure", "-no-color", "-input=false")
    yield workspace
    next(steps, None)


def described(workspace, slug: str, suffix: str) -> dict:
    document = workspace.document()
    parameter(document, parameter_address(document, slug))["description"] += suffix
    return document


def keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_a_stale_saved_plan_is_refused_and_changes_nothing(workspace, tmp_path):
    assert run_engine(workspace, deploy.deploy, QUIET).code == exit_codes.OK
    assert KEY in keys(client("s3", workspace.config))

    workspace.use(described(workspace, "gsm_username", " (planned)"))
    plan_file = tmp_path / "parent-local.tfplan"
    reviewed = run_engine(workspace, lambda ws, ctx: deploy.plan_for_review(ws, ctx, QUIET, plan_file)[0])
    assert reviewed.code == exit_codes.CHANGES and plan_file.is_file()

    # Another apply changes the state after the plan was made.
    workspace.use(described(workspace, "backend_url", " (applied meanwhile)"))
    assert run_engine(workspace, deploy.deploy, QUIET).code == exit_codes.OK
    before, values = shown_state(workspace.directory), parameter_values(workspace)

    stale = run_engine(workspace, deploy.apply_saved_plan, plan_file, QUIET)

    assert stale.code == exit_codes.ERROR
    assert "the state changed since this plan was made: plan again (make plan STACK=parent-local)" in stale.output
    assert "ROLLBACK" not in stale.output  # nothing was applied, so nothing to roll back
    assert shown_state(workspace.directory) == before
    assert parameter_values(workspace) == values


def test_reviews_run_under_a_held_lock_and_deploys_fail_fast(workspace, tmp_path):
    workspace.use(described(workspace, "admin_email", " (while locked)"))
    holder_directory = tmp_path / "holder" / "parent-local"
    holder_directory.mkdir(parents=True)
    shutil.copy(workspace.cdk_json, holder_directory / "cdk.tf.json")
    terraform.init(holder_directory)
    values = parameter_values(workspace)
    s3 = client("s3", workspace.config)
    state_before = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()

    # The holder: an apply waiting at its approval prompt holds the lock for as long as it waits.
    environment = {k: v for k, v in terraform.environment().items() if k != "TF_INPUT"}
    holder = subprocess.Popen(
        [shutil.which("terraform"), f"-chdir={holder_directory}", "apply", "-no-color", "-refresh=false"],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_lock(s3)

        started = time.monotonic()
        raw = terraform.run(
            workspace.directory, "apply", "-no-color", "-input=false", "-auto-approve", "-lock-timeout=0s", check=False
        )
        assert raw.returncode == 1 and LOCK_ERROR in raw.output
        assert time.monotonic() - started < FAIL_FAST_SECONDS

        plan_file = tmp_path / "parent-local.tfplan"
        planned = run_engine(workspace, lambda ws, ctx: deploy.plan_for_review(ws, ctx, QUIET, plan_file)[0])
        assert planned.code == exit_codes.CHANGES, planned.output  # make plan
        diffed = run_engine(workspace, lambda ws, ctx: deploy.plan_for_review(ws, ctx, QUIET)[0])
        assert diffed.code == exit_codes.CHANGES, diffed.output  # make diff
        drifted = run_engine(workspace, lambda ws, ctx: len(drift.detect(ws, ctx)))
        assert drifted.code == 0, drifted.output  # make drift: it ran, and nothing drifted

        started = time.monotonic()
        deployed = run_engine(workspace, deploy.deploy, QUIET)
        assert deployed.code == exit_codes.ERROR
        assert "parent-local: the state is locked by another operation (ID " in deployed.output
        assert "Operation OperationTypeApply" in deployed.output and "nothing was changed" in deployed.output
        assert time.monotonic() - started < FAIL_FAST_SECONDS

        started = time.monotonic()
        applied = run_engine(workspace, deploy.apply_saved_plan, plan_file, QUIET)
        assert applied.code == exit_codes.ERROR
        assert "the state is locked by another operation" in applied.output
        assert time.monotonic() - started < FAIL_FAST_SECONDS

        # Nothing changed: the same state object, every parameter as it was.
        assert keys(s3) == {KEY, LOCK}
        assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == state_before
        assert parameter_values(workspace) == values
    finally:
        out, _ = holder.communicate("no\n", timeout=300)
    assert "Apply cancelled" in out
    assert LOCK not in keys(s3)  # released by its holder on the way out


def _wait_for_lock(s3, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if LOCK in keys(s3):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {LOCK} in {BUCKET} after {timeout} s")
