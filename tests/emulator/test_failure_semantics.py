"""Terraform's own failure semantics, which the deploy engine (tools/deploy/engine.py) builds its
CloudFormation-style rollback and cancel on, proven against the emulator with raw `terraform`
on a private copy of the parent-local workspace:

1. an apply that fails part-way keeps what it created, in state (Terraform itself never
   rolls back: the engine must); after the fix a re-apply converges and the next plan is
   empty;
2. re-applying the previous configuration restores the previous values: the mechanism of
   the engine's rollback to the last good configuration;
3. an apply interrupted with one SIGINT leaves the state consistent and unlocked; a re-apply
   converges: what makes the engine's cancel (timeout, Ctrl-C) safe to follow with a rollback.

The fourth property, a held state lock makes a second apply fail fast and change nothing, is
proven with the engine's own lock behaviour in test_deploy_locks.py; the engine's rollback,
cancel and continue-rollback in test_deploy_rollback.py.

The tests run in order on one workspace (each starts where the previous one left it), as
an operator's day would.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

import pytest

from tests import terraform_runs as terraform
from tests.emulator.parent_workspace import (
    ParentWorkspace,
    local_config,
    module_workspace,
    parameter,
    parameter_address,
    parameter_values,
)
from tools.changeset import MODIFY

pytestmark = pytest.mark.emulator

# A name the SSM API refuses ("can't be prefixed with aws or ssm"), as AWS does; the
# provider cannot know it before the call, so the plan is valid and the apply fails.
REJECTED_NAME = "aws-dailydesk-local-jwt-expire"
INTERRUPT_AFTER = "Modifications complete"


@pytest.fixture(scope="module")
def workspace(emulator_endpoint, tmp_path_factory):
    yield from module_workspace(tmp_path_factory, "failure", emulator_endpoint)


def resource_ids(workspace: ParentWorkspace) -> dict[str, str]:
    return {
        f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]["id"]
        for r in workspace.state().get("resources", [])
        if r.get("mode") == "managed" and r.get("instances")
    }


def all_addresses(document: dict) -> set[str]:
    return {f"{rtype}.{name}" for rtype, items in document["resource"].items() for name in items}


def plan_is_empty(workspace: ParentWorkspace) -> bool:
    """A refreshing plan: the state, the configuration and the emulator all agree."""
    return terraform.plan(workspace.directory, "check.tfplan") == terraform.NO_CHANGES


def test_failed_apply_keeps_what_it_created_and_a_reapply_converges(workspace):
    document = workspace.document()
    bad = parameter_address(document, "jwt_expire")
    parameter(document, bad)["name"] = REJECTED_NAME
    workspace.use(document)

    failed = terraform.run(workspace.directory, "apply", "-no-color", "-input=false", "-auto-approve", check=False)

    assert failed.returncode == 1
    assert "ValidationException" in failed.output and REJECTED_NAME in failed.output
    created = workspace.addresses_in_state()
    # No rollback: everything created before and beside the failure is in state and in AWS.
    assert created and bad not in created
    assert created <= all_addresses(document) - {bad}
    in_emulator = parameter_values(workspace)
    for address in created:
        if address.startswith("aws_ssm_parameter."):
            assert parameter(document, address)["name"] in in_emulator
    assert REJECTED_NAME not in json.dumps(workspace.state())

    ids = resource_ids(workspace)

    workspace.restore()
    terraform.apply(workspace.directory)

    assert workspace.addresses_in_state() == all_addresses(workspace.original)
    # Nothing the failed apply made was made again: same physical resources, one more.
    assert {a: i for a, i in resource_ids(workspace).items() if a in ids} == ids
    assert plan_is_empty(workspace)


def test_reapplying_the_previous_configuration_restores_the_previous_values(workspace):
    name = "/dailydesk/local/fargate/desired-count"
    before = parameter_values(workspace)
    assert before[name] == "1"

    workspace.use_config(local_config(**{"fargate.desired_count": 3}))
    terraform.apply(workspace.directory, "-refresh=false")
    assert parameter_values(workspace)[name] == "3"

    # The rollback: the previous commit's configuration, applied again.
    workspace.restore()
    terraform.apply(workspace.directory, "-refresh=false")
    assert parameter_values(workspace) == before
    assert plan_is_empty(workspace)


def test_interrupted_apply_leaves_state_consistent_and_unlocked(workspace):
    document = workspace.document()
    parameters = document["resource"]["aws_ssm_parameter"]
    for body in parameters.values():
        body["description"] += " (interrupted)"
    workspace.use(document)
    serial_before = workspace.state()["serial"]

    process = subprocess.Popen(
        # One change at a time, so the interrupt lands between two of them.
        [
            shutil.which("terraform"),
            f"-chdir={workspace.directory}",
            "apply",
            "-no-color",
            "-input=false",
            "-auto-approve",
            "-refresh=false",
            "-parallelism=1",
        ],
        env=terraform.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if INTERRUPT_AFTER in line:
            process.send_signal(signal.SIGINT)
            break
    output.extend(process.stdout)
    returncode = process.wait(timeout=300)
    text = "".join(output)

    assert "Interrupt received" in text and "Gracefully shutting down" in text
    assert returncode == 1
    # Unlocked: no lock file left, and a plan that refuses to wait for a lock runs.
    assert not list(workspace.state_file.parent.glob("*.lock.info"))
    state = workspace.state()
    assert state["serial"] > serial_before
    done = {name for name, body in parameters.items() if body["description"] == _state_description(state, name)}
    assert 0 < len(done) < len(parameters)
    # Consistent: what the state says was done is exactly what the next refreshing plan skips.
    resumed = terraform.plan_stack(workspace.directory, extra=("-lock-timeout=0s",), init=False)
    assert {c.address.split(".", 1)[1] for c in resumed.changes} == set(parameters) - done
    assert {c.action for c in resumed.changes} == {MODIFY}
    assert terraform.apply_saved_plan(workspace.directory, terraform.DEFAULT_PLAN_FILE) == 0
    assert plan_is_empty(workspace)


def _state_description(state: dict, name: str) -> str | None:
    for resource in state["resources"]:
        if resource["type"] == "aws_ssm_parameter" and resource["name"] == name:
            return resource["instances"][0]["attributes"]["description"]
    return None
