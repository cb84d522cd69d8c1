"""Terraform's own failure semantics, which the deploy engine (tools/deploy/engine.py) builds its
CloudFormation-style rollback and cancel on, proven with raw `terraform` (no engine) on a
fixture workspace (tests/engine/fixtures.py):

1. an apply that fails part-way keeps what it created, in state (Terraform itself never
   rolls back: the engine must); after the fix a re-apply converges, creating nothing twice;
2. re-applying the previous configuration restores the previous values: the mechanism of
   the engine's rollback to the last good configuration;
3. an apply interrupted with one SIGINT leaves the state consistent and unlocked: the next
   plan makes exactly what the interrupted one did not. What makes the engine's cancel
   (timeout, Ctrl-C) safe to follow with a rollback.

The same on the real provider and the emulator, through the engine: tests/emulator/test_deploy_rollback.py.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

from tests import terraform_runs as terraform
from tests.engine.fixtures import FAIL, EngineFixture, Resource

INTERRUPT_AFTER = "Creation complete"


def ids(fixture: EngineFixture) -> dict[str, str]:
    state = json.loads(fixture.state_file.read_text())
    return {r["name"]: i["attributes"]["id"] for r in state["resources"] for i in r["instances"]}


def plan_is_empty(fixture: EngineFixture) -> bool:
    return terraform.plan(fixture.directory, "check.tfplan") == terraform.NO_CHANGES


def initialized(fixture: EngineFixture, resources: dict[str, Resource]) -> None:
    fixture.use(resources)
    terraform.init(fixture.directory)


def test_a_failed_apply_keeps_what_it_created_and_a_reapply_converges(fixture):
    initialized(fixture, {"a": Resource(), "b": Resource(), "bad": Resource(provisioner=FAIL)})

    failed = terraform.run(fixture.directory, "apply", "-no-color", "-input=false", "-auto-approve", check=False)

    assert failed.returncode == 1 and "the fixture fails here" in failed.output
    # No rollback: what was created beside the failure stays; the failed create is tainted.
    assert fixture.inputs() == {"a": "v1", "b": "v1", "bad": "v1 (tainted)"}
    made = ids(fixture)

    fixture.use({"a": Resource(), "b": Resource(), "bad": Resource()})  # the fix
    terraform.apply(fixture.directory)

    assert fixture.inputs() == {"a": "v1", "b": "v1", "bad": "v1"}
    after = ids(fixture)
    assert {name: after[name] for name in ("a", "b")} == {name: made[name] for name in ("a", "b")}  # not made again
    assert after["bad"] != made["bad"]  # the tainted one was replaced
    assert plan_is_empty(fixture)


def test_reapplying_the_previous_configuration_restores_the_previous_values(fixture):
    previous = {"a": Resource(), "b": Resource()}
    initialized(fixture, previous)
    terraform.apply(fixture.directory)

    fixture.use({"a": Resource(input="v2"), "b": Resource(input="v2")})
    terraform.apply(fixture.directory)
    assert fixture.inputs() == {"a": "v2", "b": "v2"}

    fixture.use(previous)  # the rollback: the previous commit's configuration, applied again
    terraform.apply(fixture.directory)

    assert fixture.inputs() == {"a": "v1", "b": "v1"}
    assert plan_is_empty(fixture)


def test_an_interrupted_apply_leaves_the_state_consistent_and_unlocked(fixture):
    names = [f"r{n}" for n in range(6)]
    initialized(fixture, {name: Resource(provisioner="sleep 0.5") for name in names})

    process = subprocess.Popen(
        # One create at a time, so the interrupt lands between two of them.
        [shutil.which("terraform"), f"-chdir={fixture.directory}", "apply", "-no-color", "-input=false",
         "-auto-approve", "-parallelism=1"],
        env=terraform.environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if INTERRUPT_AFTER in line:
            process.send_signal(signal.SIGINT)
            break
    output.extend(process.stdout)
    returncode = process.wait(timeout=120)
    text = "".join(output)

    assert "Interrupt received" in text and "Gracefully shutting down" in text
    assert returncode == 1
    assert fixture.lock_is_free()
    done = set(fixture.inputs())
    assert 0 < len(done) < len(names) and all(value == "v1" for value in fixture.inputs().values())
    # Consistent: what the state says was done is exactly what the next plan skips.
    assert terraform.plan(fixture.directory, "resume.tfplan", "-lock-timeout=0s") == terraform.CHANGES
    plan = terraform.show_json(fixture.directory, "resume.tfplan")
    assert {c["name"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]} == set(names) - done
    terraform.apply(fixture.directory)
    assert set(fixture.inputs()) == set(names)
