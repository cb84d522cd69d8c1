"""Saved-plan files (issue 20, section 6): each engine command plans into a file of its own
(`make diff` and `make deploy` in one checkout never share one, and none is left behind), and
`make apply` refuses a saved plan whose change set (`<plan>.changeset.json`) is missing instead
of guessing its stack and commit."""

from __future__ import annotations

import io
import threading
import zipfile

from tests.engine.fixtures import Resource
from tools.deploy import engine, exit_codes, steps
from tools.deploy.engine import Options
from tools.deploy.progress import Progress
from tools.deploy.steps import Context

QUIET = Options(show_changeset=False)


def plan_files(fixture) -> list[str]:
    return sorted(p.name for p in fixture.directory.glob("tfplan*"))


def test_make_diff_while_make_deploy_waits_to_apply_never_touches_the_deploys_plan(fixture, monkeypatch):
    fixture.use({"a": Resource(), "b": Resource()})
    seen = {}
    apply_plan = engine.apply_plan

    def diff_then_apply(workspace, context, plan_file, options, commit=None):
        seen["deploy"], before = plan_file, plan_file.read_bytes()
        diffed = fixture.run(lambda ws, ctx: engine.plan_for_review(ws, ctx, Options())[0])  # make diff, meanwhile
        seen["diff"] = diffed.code
        assert plan_file.read_bytes() == before
        return apply_plan(workspace, context, plan_file, options, commit)

    monkeypatch.setattr(engine, "apply_plan", diff_then_apply)
    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.OK and seen["diff"] == exit_codes.CHANGES
    assert seen["deploy"].parent == fixture.directory and seen["deploy"].name.startswith("tfplan-")
    assert fixture.inputs() == {"a": "v1", "b": "v1"}
    assert plan_files(fixture) == []  # each command removed its own


def test_two_plans_at_once_do_not_collide(fixture):
    fixture.use({"a": Resource()})
    steps.init(fixture.workspace, fixture.context(io.StringIO()))
    planned = {}

    def plan(name: str) -> None:
        # Two commands, each with its own logs (two processes would have their own run ids).
        context = Context(progress=Progress(io.StringIO(), live=False, log_dir=fixture.log_dir / name))
        planned[name] = steps.plan(fixture.workspace, context, lock=False)

    threads = [threading.Thread(target=plan, args=(name,)) for name in ("diff", "deploy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    files = {name: p.plan_file for name, p in planned.items()}
    assert files["diff"] != files["deploy"]
    for plan_file in files.values():
        assert plan_file.parent == fixture.directory and zipfile.is_zipfile(plan_file)
        fixture.workspace.discard(plan_file)
    assert plan_files(fixture) == []


def test_apply_refuses_a_saved_plan_without_its_change_set(fixture, tmp_path):
    fixture.use({"a": Resource()})
    plan_file = tmp_path / "plans" / "parent-local.tfplan"
    plan_file.parent.mkdir()
    reviewed = fixture.run(lambda ws, ctx: engine.plan_for_review(ws, ctx, QUIET, plan_file)[0])  # make plan
    assert reviewed.code == exit_codes.CHANGES
    metadata = engine.plan_metadata(plan_file)
    assert metadata.is_file()  # make plan writes it beside the plan
    saved = metadata.read_text()
    metadata.unlink()

    refused = fixture.run(engine.apply_saved_plan, plan_file, QUIET)

    assert refused.code == exit_codes.ERROR
    assert f"error: {plan_file} has no change set beside it (parent-local.tfplan.changeset.json is missing)" in (
        refused.output
    )
    assert "make plan STACK=parent-local PLAN=" in refused.output
    assert fixture.inputs() == {}  # nothing applied

    metadata.write_text(saved)
    assert fixture.run(engine.apply_saved_plan, plan_file, QUIET).code == exit_codes.OK
    assert fixture.inputs() == {"a": "v1"}
