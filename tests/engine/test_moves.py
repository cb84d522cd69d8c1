"""A plan that only moves resources (`moved` blocks) is a change (issue 20, section 6): a
change-set row, exit 2 for `make diff`/`make plan`/`make changeset`, so CI applies it, and
`make deploy` applies it. A real plan of the fixture (`terraform show -json` of it)."""

from __future__ import annotations

import pytest

from tests.engine.fixtures import Resource
from tools.changeset import MOVE
from tools.deploy import engine, exit_codes
from tools.deploy.engine import Options

MOVED = [{"from": "terraform_data.a", "to": "terraform_data.b"}]


def moved(fixture) -> None:
    """`a` deployed, then the configuration names it `b` with a `moved` block."""
    fixture.use({"a": Resource()})
    assert fixture.run(engine.deploy, Options(show_changeset=False)).code == exit_codes.OK
    fixture.use({"b": Resource()}, moved=MOVED)


def diff(workspace, context) -> int:
    """`make diff`: the review path, its change set printed."""
    return engine.plan_for_review(workspace, context, Options())[0]


def test_a_move_only_plan_is_a_change_set_row_and_exit_2(fixture):
    moved(fixture)
    reviewed: dict = {}

    def review(workspace, context):
        code, reviewed["changes"] = engine.plan_for_review(workspace, context, Options())
        return code

    run = fixture.run(review)

    assert run.code == exit_codes.CHANGES
    (row,) = reviewed["changes"].changes
    assert (row.action, row.address, row.logical_id) == (MOVE, "terraform_data.b", "parent-local/b")
    assert row.reason == "moved from terraform_data.a"
    assert "Change set for parent-local: 1 move" in run.output


@pytest.mark.parametrize("show_changeset", [True, False], ids=["make-deploy", "deploy-local"])
def test_deploy_applies_a_move_only_plan(fixture, show_changeset):
    moved(fixture)

    run = fixture.run(engine.deploy, Options(show_changeset=show_changeset))

    assert run.code == exit_codes.OK
    assert "no changes, nothing to apply" not in run.output
    assert fixture.inputs() == {"b": "v1"}
    assert fixture.run(diff).code == exit_codes.OK  # nothing left to move
