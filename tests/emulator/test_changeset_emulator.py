"""Plan-based tests: the change sets of real plans against a deployed `local` parent
workspace in the emulator. They replace CloudFormation's change-set review; every
assertion reads the plan JSON (through tools.changeset), never Terraform's text.

The no-op plan refreshes (it proves the emulator reads back what was applied). The change
plans compare the changed configuration with the state without refreshing it again, as a
CloudFormation change set compares templates. Each terraform command costs 10-20 s of
provider start-up on this shared machine, so the replacing, removing and adding changes
share one plan; each row is asserted on its own."""

from __future__ import annotations

import json

import pytest

from tests import terraform_runs as terraform
from tests.emulator.parent_workspace import (
    local_config,
    module_workspace,
    parameter,
    parameter_address,
    parameter_values,
)
from tests.terraform_runs import plan_stack
from tools import changeset
from tools.changeset import ADD, EXIT_BLOCKED, EXIT_CHANGES, EXIT_NO_CHANGES, MODIFY, REMOVE, REPLACE

pytestmark = pytest.mark.emulator
NO_REFRESH = ("-refresh=false",)


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory):
    yield from module_workspace(tmp_path_factory, "changeset", emulator_endpoint, apply=True)


@pytest.fixture
def workspace(deployed):
    yield deployed
    deployed.restore()


def test_no_op_plan_is_empty(workspace):
    cs = plan_stack(workspace.directory, init=False)
    assert cs.changes == () and cs.output_changes == ()
    assert cs.exit_code == EXIT_NO_CHANGES


def test_in_place_config_change_is_modify_and_never_replace(workspace):
    # The auto-scaling target and the desired count, as the catalogue publishes them.
    workspace.use_config(local_config(**{"fargate.desired_count": 2, "fargate.auto_scaling.cpu_target_percent": 60}))
    cs = plan_stack(workspace.directory, extra=NO_REFRESH, init=False)
    document = json.loads(workspace.cdk_json.read_text())
    expected = {
        parameter_address(document, "fargate_desired_count"),
        parameter_address(document, "fargate_auto_scaling_cpu_target_percent"),
    }
    assert {c.address for c in cs.changes} == expected
    assert {c.action for c in cs.changes} == {MODIFY}
    for change in cs.changes:
        assert change.changed == ("value",)
        assert change.forces_replacement == ()
        assert change.physical_id.startswith("/dailydesk/local/fargate/")
    assert cs.exit_code == EXIT_CHANGES


def test_replace_remove_and_add_and_the_guard(workspace):
    document = workspace.document()
    renamed = parameter_address(document, "jwt_expire")
    removed = parameter_address(document, "gsm_base_url")
    parameter(document, renamed)["name"] = "/dailydesk/local/jwt-expiry"
    extra = dict(parameter(document, removed), name="/dailydesk/local/gsm/extra")
    del document["resource"]["aws_ssm_parameter"][removed.split(".", 1)[1]]
    document["resource"]["aws_ssm_parameter"]["extra_parameter"] = extra
    workspace.use(document)

    cs = plan_stack(workspace.directory, extra=NO_REFRESH, init=False)

    rows = {c.address: c for c in cs.changes}
    assert sorted(rows) == sorted([renamed, removed, "aws_ssm_parameter.extra_parameter"])
    # A rename forces replacement, and the change set says which attribute forces it.
    replace = rows[renamed]
    assert (replace.action, replace.physical_id) == (REPLACE, "/dailydesk/local/jwt-expire")
    assert replace.forces_replacement == ("name",)
    assert replace.reason == "replace_because_cannot_update"
    remove = rows[removed]
    assert (remove.action, remove.physical_id) == (REMOVE, "/dailydesk/local/gsm/base-url")
    assert remove.reason == "delete_because_no_resource_config"
    assert rows["aws_ssm_parameter.extra_parameter"].action == ADD
    # The guard blocks the replacement and the removal of the stateful parameters, not the addition.
    assert {c.address for c in cs.blocked} == {renamed, removed}
    assert cs.exit_code == EXIT_BLOCKED
    assert f"--allow {renamed}" in changeset.render(cs)
    # The saved plan, read again with the operator naming both, passes the guard.
    allowed = changeset.parse_plan("parent-local", terraform.show_json(workspace.directory), allowed=[renamed, removed])
    assert allowed.blocked == () and allowed.exit_code == EXIT_CHANGES
    # Planned, never applied: the emulator still holds the old names only.
    names = parameter_values(workspace)
    assert "/dailydesk/local/jwt-expire" in names and "/dailydesk/local/gsm/base-url" in names
    assert "/dailydesk/local/jwt-expiry" not in names and "/dailydesk/local/gsm/extra" not in names
