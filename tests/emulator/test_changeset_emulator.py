"""Plan-based tests: the change sets of real plans against a deployed `local` parent
workspace in the emulator. They replace CloudFormation's change-set review; every
assertion reads the plan JSON (through tools.changeset), never Terraform's text."""

from __future__ import annotations

import json

import pytest

from tests.emulator.parent_workspace import (
    ParentWorkspace,
    destroy_everything,
    local_config,
    parameter,
    parameter_address,
    parameter_values,
)
from tools import changeset, terraform
from tools.changeset import ADD, EXIT_BLOCKED, EXIT_CHANGES, EXIT_NO_CHANGES, MODIFY, REMOVE, REPLACE, plan_stack

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory):
    workspace = ParentWorkspace(tmp_path_factory.mktemp("changeset"))
    assert workspace.config.emulator.endpoint == emulator_endpoint
    terraform.apply(workspace.directory)
    yield workspace
    destroy_everything(workspace)


@pytest.fixture
def workspace(deployed):
    yield deployed
    deployed.restore()


def test_no_op_plan_is_empty(workspace):
    cs = plan_stack(workspace.directory)
    assert cs.changes == () and cs.output_changes == ()
    assert cs.exit_code == EXIT_NO_CHANGES


def test_in_place_config_change_is_modify_and_never_replace(workspace):
    # The auto-scaling target and the desired count, as the catalogue publishes them.
    workspace.use_config(local_config(**{"fargate.desired_count": 2, "fargate.auto_scaling.cpu_target_percent": 60}))
    cs = plan_stack(workspace.directory)
    document = json.loads(workspace.cdk_json.read_text())
    expected = {parameter_address(document, "fargate_desired_count"),
                parameter_address(document, "fargate_auto_scaling_cpu_target_percent")}
    assert {c.address for c in cs.changes} == expected
    assert {c.action for c in cs.changes} == {MODIFY}
    for change in cs.changes:
        assert change.changed == ("value",)
        assert change.forces_replacement == ()
        assert change.physical_id.startswith("/dailydesk/local/fargate/")
    assert cs.exit_code == EXIT_CHANGES


def test_rename_is_replace_and_the_guard_blocks_it(workspace, capsys):
    document = workspace.document()
    address = parameter_address(document, "jwt_expire")
    parameter(document, address)["name"] = "/dailydesk/local/jwt-expiry"
    workspace.use(document)
    cs = plan_stack(workspace.directory)
    [change] = cs.changes
    assert (change.action, change.address) == (REPLACE, address)
    assert change.forces_replacement == ("name",)
    assert change.physical_id == "/dailydesk/local/jwt-expire"
    assert cs.blocked == (change,)
    assert cs.exit_code == EXIT_BLOCKED
    # The command line says the same through its exit code, and lets a named address through.
    outdir = workspace.directory.parent.parent
    assert changeset.main(["parent-local", "--skip-synth", "--outdir", str(outdir)]) == EXIT_BLOCKED
    assert changeset.main(["parent-local", "--skip-synth", "--outdir", str(outdir), "--allow", address]) == EXIT_CHANGES
    out = capsys.readouterr().out
    assert f"--allow {address}" in out and f"allowed by the operator: Replace {address}" in out


def test_removed_resource_is_remove_and_blocked_for_a_stateful_type(workspace):
    document = workspace.document()
    address = parameter_address(document, "gsm_base_url")
    del document["resource"]["aws_ssm_parameter"][address.split(".", 1)[1]]
    workspace.use(document)
    cs = plan_stack(workspace.directory)
    [change] = cs.changes
    assert (change.action, change.address, change.physical_id) == (REMOVE, address, "/dailydesk/local/gsm/base-url")
    assert change.reason == "delete_because_no_resource_config"
    assert cs.exit_code == EXIT_BLOCKED


def test_guard_does_not_block_additions(workspace):
    document = workspace.document()
    address = parameter_address(document, "jwt_expire")
    extra = dict(parameter(document, address), name="/dailydesk/local/jwt-expire-extra")
    document["resource"]["aws_ssm_parameter"]["extra_parameter"] = extra
    workspace.use(document)
    cs = plan_stack(workspace.directory)
    assert [(c.action, c.address) for c in cs.changes] == [(ADD, "aws_ssm_parameter.extra_parameter")]
    assert cs.exit_code == EXIT_CHANGES
    # Planned, never applied: the emulator holds only what the synthesized config made.
    assert "/dailydesk/local/jwt-expire-extra" not in parameter_values(workspace)
