"""The deploy engine's rollback, proven once against the emulator with the real AWS provider,
on a private trimmed parent-local workspace (10 resources; tests/emulator/parent_workspace.py),
with the emulator's fault switch (tools/emulator/faults.py) making one API call fail or hang.

In order, on one workspace, as an operator's day would go:

1. the first deploy fails part-way -> ROLLBACK_COMPLETE, nothing of it left (state, emulator);
2. a clean deploy records the last good configuration (cdk.tf.json + commit, beside the state);
3. an update that modifies resources and adds new ones fails on one create -> ROLLBACK_COMPLETE:
   `terraform show -json` and the parameters in the emulator are what they were before;
4. an update whose call hangs, with a short timeout -> CANCELLED, then ROLLBACK_COMPLETE.

Every other branch of the rollback (a rollback that fails and `make rollback`, ROLLBACK=false,
changes outside the engine, the rollback's guard, Terraform Cloud without a record, a record
that cannot be read) runs on provider-less fixtures: tests/engine/test_rollback.py.

Each comparison ignores only what AWS regenerates (engine_helpers.REGENERATED).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.emulator.engine_helpers import (
    MODIFIED_PARAMETERS,
    lock_is_free,
    name_in_body,
    new_parameter_address,
    new_parameter_name,
    run_engine,
    shown_state,
    updated_document,
)
from tests.emulator.parent_workspace import client, module_workspace, parameter_address, parameter_values
from tests.engine.fixtures import final_status
from tools.deploy import engine as deploy
from tools.deploy import exit_codes, last_good
from tools.deploy.engine import Options
from tools.emulator import faults
from tools.paths import REPO_ROOT


def git_head() -> str:
    """HEAD as git itself says it (not through the code under test)."""
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


pytestmark = pytest.mark.emulator

DENIED = "AccessDeniedException"
# Long enough for the rest of the apply to finish on a loaded 2-core machine, short for a test.
SHORT_TIMEOUT = "60s"
HANG_SECONDS = 600
QUIET = Options(show_changeset=False)


@pytest.fixture(scope="module")
def workspace(emulator_endpoint, tmp_path_factory):
    yield from module_workspace(tmp_path_factory, "rollback", emulator_endpoint)


@pytest.fixture(autouse=True)
def no_faults_left(emulator_endpoint):
    yield
    faults.clear_faults(emulator_endpoint)


def deny(endpoint: str, action: str, name: str) -> None:
    """AWS refuses every call of `action` on `name`, as a missing permission would: also the
    SDK's retry of a call whose answer was lost on a loaded machine (tools/emulator/retries.py),
    which a one-call fault would let through."""
    faults.set_faults(endpoint, {"action": action, "code": DENIED, "count": None, "body_contains": name_in_body(name)})


def failed_apply_counts(output: str) -> dict[str, int]:
    """What the failed apply did before it stopped, from its progress line."""
    line = next(line for line in output.splitlines() if re.match(r"parent-local\s+apply\s+(FAILED|CANCELLED)", line))
    found = re.search(r"(\d+) added, (\d+) changed, (\d+) destroyed", line)
    assert found, line
    return dict(zip(("add", "change", "remove"), map(int, found.groups()), strict=True))


def test_failed_first_deploy_leaves_nothing(workspace, emulator_endpoint):
    jwt_expire = "/dailydesk/local/jwt-expire"
    deny(emulator_endpoint, "PutParameter", jwt_expire)

    run = run_engine(workspace, deploy.deploy, QUIET)

    assert run.code == exit_codes.ROLLED_BACK
    address = parameter_address(workspace.original, "jwt_expire")
    assert f"CREATE_FAILED {address} (parent-local/parameters/jwt_expire): {DENIED}: " in run.output
    assert "removing what the failed apply created (no last good configuration yet: first deploy)" in run.output
    assert failed_apply_counts(run.output)["add"] > 0  # it failed part-way, not before starting
    assert final_status(run.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert workspace.addresses_in_state() == set()
    assert parameter_values(workspace) == {}
    kms = client("kms", workspace.config)
    assert not [a for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/dailydesk")]
    states = {kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in kms.list_keys()["Keys"]}
    assert states <= {"PendingDeletion"}  # as AWS keeps a deleted key for its waiting period
    (fault,) = faults.list_faults(emulator_endpoint)
    assert fault["matched"] >= 1  # the denial is what stopped it


def test_successful_deploy_records_the_last_good_configuration(workspace):
    run = run_engine(workspace, deploy.deploy, QUIET)

    assert run.code == exit_codes.OK
    assert "CREATE_COMPLETE parent-local (last good configuration: commit" in run.output
    record_file = workspace.root / "state" / "local" / "parent-local.last-good.json"
    record = last_good.Record.from_json(record_file.read_text())
    assert record.configuration == workspace.original
    assert record.commit == git_head()
    # The configuration, where it came from and which state it describes (lineage and serial
    # only); nothing else (no state content, no value read from AWS).
    document = json.loads(record_file.read_text())
    assert set(document) == {
        "configuration",
        "commit",
        "dirty",
        "format",
        "recorded_at",
        "stack",
        "state",
        "unfinished",
    }
    assert set(document["state"]) == {"lineage", "serial"} and document["unfinished"] is None
    assert document["state"]["serial"] == workspace.state()["serial"]
    assert document["state"]["lineage"] == workspace.state()["lineage"]
    assert lock_is_free(workspace.directory)


def test_update_failing_part_way_rolls_back_to_exactly_what_was_there(workspace, emulator_endpoint):
    before = shown_state(workspace.directory)
    values_before = parameter_values(workspace)
    workspace.use(updated_document(workspace))
    deny(emulator_endpoint, "PutParameter", new_parameter_name(workspace, "extra_two"))

    run = run_engine(workspace, deploy.deploy, QUIET)

    assert run.code == exit_codes.ROLLED_BACK
    assert (
        f"CREATE_FAILED {new_parameter_address('extra_two')} (parent-local/parameters/extra_two): {DENIED}: "
        in run.output
    )
    done = failed_apply_counts(run.output)
    assert done["add"] == 1 and done["change"] == len(MODIFIED_PARAMETERS)  # part-way: the rest was applied
    assert "back to the last good configuration (commit" in run.output
    assert final_status(run.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert shown_state(workspace.directory) == before
    assert parameter_values(workspace) == values_before
    workspace.restore()
    assert lock_is_free(workspace.directory)


def test_hanging_call_is_cancelled_at_the_timeout_then_rolled_back(workspace, emulator_endpoint):
    before = shown_state(workspace.directory)
    workspace.use(updated_document(workspace))
    hung = new_parameter_name(workspace, "extra_two")
    faults.set_faults(
        emulator_endpoint, {"action": "PutParameter", "hang_seconds": HANG_SECONDS, "body_contains": name_in_body(hung)}
    )

    run = run_engine(workspace, deploy.deploy, Options(show_changeset=False, timeout=SHORT_TIMEOUT))

    assert run.code == exit_codes.ROLLED_BACK
    lines = run.output.splitlines()
    cancelled = next(i for i, line in enumerate(lines) if line.startswith("CANCELLED parent-local"))
    assert "the apply ran past its timeout of 1 min" in lines[cancelled]
    extra_two = f"{new_parameter_address('extra_two')} (parent-local/parameters/extra_two)"
    # What hung is named at the moment of the cancel, then reported as CloudFormation does.
    assert re.fullmatch(rf"  in flight: create {re.escape(extra_two)}, for \d+ s", lines[cancelled + 1])
    assert f"CREATE_FAILED {extra_two}: Resource creation cancelled" in lines
    assert final_status(run.output).startswith("ROLLBACK_COMPLETE parent-local")
    assert lines.index(final_status(run.output)) > cancelled
    assert shown_state(workspace.directory) == before
    # The hung call was dropped when Terraform gave up on it: nothing was created behind its back.
    assert hung not in parameter_values(workspace)
    workspace.restore()
    assert lock_is_free(workspace.directory)
