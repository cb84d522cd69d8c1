"""The deploy engine's decisions, with Terraform replaced by real recordings: what is applied,
when it stops, the exit codes, the timeout, the guard on rollback plans, and what a failed
apply hands to the rollback. Against the emulator: tests/emulator/test_deploy_rollback.py."""

from __future__ import annotations

import io
import json
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from config import load_environment
from tools import changeset
from tools.deploy import engine as deploy
from tools.deploy import exit_codes, last_good, rollback
from tools.deploy import steps as deploy_steps
from tools.deploy import timeout as deploy_timeout
from tools.deploy.engine import Options
from tools.deploy.progress import Progress
from tools.deploy.steps import (
    PLAN_CONFIGURATION,
    Applied,
    Context,
    Planned,
    StalePlanError,
    is_saved_cloud_plan,
    plan_contents,
    state_addresses,
)
from tools.deploy.workspace import Workspace
from tools.paths import REPO_ROOT
from tools.terraform.json_ui import ApplyLog
from tools.terraform.process import TIMEOUT


def git_head() -> str:
    """HEAD as git itself says it (not through the code under test)."""
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


PLANS = REPO_ROOT / "tests" / "fixtures" / "plans"
RECORDED = REPO_ROOT / "tests" / "fixtures" / "terraform_json"
RENAMED = "aws_ssm_parameter.parameters_jwt_expire_6FF993E9"
REMOVED = "aws_ssm_parameter.parameters_gsm_base_url_91B96F33"
EXTRA_ONE = "aws_ssm_parameter.parameters_extra_one_00000000"
EXTRA_TWO = "aws_ssm_parameter.parameters_extra_two_00000000"


def recorded_plan(name: str) -> dict:
    return json.loads((PLANS / f"parent-local-{name}.json").read_text())


def recorded_log(name: str) -> ApplyLog:
    log = ApplyLog()
    for line in (RECORDED / name).read_text().splitlines():
        log.feed(line)
    return log


def planned_log(plan: dict) -> ApplyLog:
    """The `planned_change` messages `plan -json` prints for a recorded plan."""
    log = ApplyLog()
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        action = {("create",): "create", ("update",): "update", ("delete",): "delete"}.get(tuple(actions), "replace")
        if actions in (["no-op"], ["read"]):
            continue
        message = {
            "type": "planned_change",
            "change": {"resource": {"addr": change["address"], "resource_type": change["type"]}, "action": action},
        }
        log.feed(json.dumps(message))
    return log


# ------------------------------------------------ make deploy / plan / diff / apply, Terraform replaced


@pytest.fixture
def engine(monkeypatch, tmp_path):
    """tools.deploy with credentials present, the preflight passing, synth and Terraform
    replaced by recorded plans; returns run(plan name, *argv) -> (exit code, calls, output)."""
    from tools import preflight, synth

    calls: dict[str, list] = {"synth": [], "plan": [], "apply": [], "preflight": []}
    chosen: dict[str, str] = {}
    monkeypatch.setattr(deploy, "missing_credentials", lambda config: [])
    monkeypatch.setattr(preflight, "main", lambda argv: calls["preflight"].append(argv) or 0)
    monkeypatch.setattr(synth, "synthesize", lambda environments, outdir: calls["synth"].append(environments))
    monkeypatch.setattr(deploy, "init", lambda workspace, context, *args, **kwargs: None)
    # Each stack's last good configuration in a file in tmp_path (prod's would be in S3).
    monkeypatch.setattr(
        Workspace, "store", lambda self: last_good.FileStore(tmp_path / "state" / f"{self.stack}.last-good.json")
    )
    monkeypatch.setattr(deploy, "plan_contents", lambda plan_file, directory: ({"resource": {"aws_x": {"a": {}}}}, {}))

    def fake_plan(workspace, context, *, lock, plan_file=None, **kwargs):
        calls["plan"].append({"stack": workspace.stack, "lock": lock})
        plan = recorded_plan(chosen["plan"])
        plan_file = plan_file or workspace.directory / "tfplan"
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        plan_file.write_bytes(json.dumps(plan).encode())  # Terraform writes the saved plan
        return Planned(plan_file, chosen["plan"] != "noop", planned_log(plan))

    monkeypatch.setattr(deploy, "plan", fake_plan)
    monkeypatch.setattr(deploy.terraform, "show_json", lambda directory, plan_file: recorded_plan(chosen["plan"]))
    monkeypatch.setattr(
        deploy,
        "apply_plan",
        lambda workspace, context, plan_file, options, commit=None: (
            calls["apply"].append((workspace.stack, plan_file.name)) or 0
        ),
    )

    def run(plan: str, *argv: str) -> tuple[int, dict, str]:
        chosen["plan"] = plan
        stream = io.StringIO()
        args = deploy.parser().parse_args([*argv, f"--outdir={tmp_path / 'cdktf.out'}"])
        code = deploy.run_command(args, Progress(stream, live=False, log_dir=tmp_path / "logs"))
        return code, calls, stream.getvalue()

    return run


def test_deploy_of_a_real_environment_applies_the_reviewed_plan(engine):
    code, calls, output = engine("modify", "deploy", "parent-prod")
    assert code == exit_codes.OK
    assert calls["synth"] == [["prod"]]
    assert calls["preflight"] == [["--env=prod"]]
    assert calls["plan"] == [{"stack": "parent-prod", "lock": True}]  # a deploy takes the lock
    assert calls["apply"] == [("parent-prod", "tfplan")]
    assert "Change set for parent-prod: 2 modify" in output


def test_deploy_stops_when_the_guard_blocks(engine):
    code, calls, output = engine("replace_remove", "deploy", "parent-prod")
    assert code == exit_codes.BLOCKED
    assert calls["apply"] == []
    assert "parent-prod: not applied: the guard blocked this plan" in output


def test_deploy_goes_ahead_when_the_operator_names_each_guarded_resource(engine):
    code, calls, _ = engine("replace_remove", "deploy", "parent-prod", "--allow", RENAMED, "--allow", REMOVED)
    assert code == exit_codes.OK
    assert calls["apply"] == [("parent-prod", "tfplan")]


def test_deploy_without_changes_applies_nothing_and_records_the_baseline(engine, tmp_path):
    code, calls, output = engine("noop", "deploy", "parent-prod")
    assert code == exit_codes.OK
    assert calls["apply"] == []
    assert "parent-prod: no changes, nothing to apply" in output
    # No change: the configuration describes the workspace as it is, a last good one.
    record = last_good.FileStore(tmp_path / "state" / "parent-prod.last-good.json").read()
    assert record is not None and record.configuration == {"resource": {"aws_x": {"a": {}}}}
    assert "parent-prod: last good configuration recorded (commit" in output
    _, _, again = engine("noop", "deploy", "parent-prod")
    assert "last good configuration recorded" not in again  # the same one is not written again


@pytest.mark.parametrize("command", ["diff", "plan"])
def test_reviews_never_take_the_lock_and_never_apply(engine, command):
    code, calls, _ = engine("modify", command, "parent-prod")
    assert code == exit_codes.CHANGES
    assert calls["plan"] == [{"stack": "parent-prod", "lock": False}]
    assert calls["apply"] == [] and calls["preflight"] == []


def test_plan_writes_the_saved_plan_beside_its_change_set(engine, tmp_path):
    plan_file = tmp_path / "plans" / "parent-prod.tfplan"
    code, _, output = engine("modify", "plan", "parent-prod", f"--plan={plan_file}")
    assert code == exit_codes.CHANGES
    text = plan_file.with_name("parent-prod.tfplan.changeset.txt").read_text()
    assert text.startswith("Change set for parent-prod: 2 modify")
    document = json.loads(plan_file.with_name("parent-prod.tfplan.changeset.json").read_text())
    assert document["stack"] == "parent-prod" and document["plan"] == "parent-prod.tfplan"
    assert document["commit"] == git_head()
    assert document["changeset"]["status"] == "changes"
    assert f"make apply STACK=parent-prod PLAN={plan_file}" in output


def test_credentials_are_checked_before_any_plan(monkeypatch, capsys):
    monkeypatch.setattr(deploy, "missing_credentials", lambda config: ["no AWS credentials"])
    monkeypatch.setattr(deploy, "plan", lambda *a, **k: pytest.fail("planned without credentials"))
    assert deploy.main(["deploy", "backend-prod"]) == exit_codes.ERROR
    assert "no AWS credentials" in capsys.readouterr().err


def test_a_bad_timeout_stops_before_anything(monkeypatch, capsys):
    monkeypatch.setattr(deploy, "plan", lambda *a, **k: pytest.fail("planned with a bad timeout"))
    assert deploy.main(["deploy", "backend-prod", "--timeout", "soon"]) == exit_codes.ERROR
    assert "TIMEOUT='soon' is not a timeout" in capsys.readouterr().err


def test_failed_preflight_stops_before_any_plan(engine, monkeypatch):
    from tools import preflight

    monkeypatch.setattr(preflight, "main", lambda argv: 1)
    code, calls, output = engine("modify", "deploy", "parent-prod")
    assert code == exit_codes.ERROR
    assert calls["plan"] == [] and calls["apply"] == []
    assert "not deployed: the preflight found missing or unusable items" in output


def test_apply_refuses_a_saved_plan_of_another_stack(tmp_path):
    plan_file = tmp_path / "x.tfplan"
    plan_file.write_bytes(b"")
    plan_file.with_name("x.tfplan.changeset.json").write_text(json.dumps({"stack": "backend-prod"}))
    stream = io.StringIO()
    workspace = Workspace(load_environment("prod"), "parent", tmp_path / "cdktf.out" / "stacks" / "parent-prod")
    context = Context(progress=Progress(stream, live=False, log_dir=tmp_path / "logs"))
    assert deploy.apply_saved_plan(workspace, context, plan_file, Options()) == exit_codes.ERROR
    assert "is a plan of backend-prod, not parent-prod" in stream.getvalue()


def test_apply_refuses_a_change_set_that_is_not_its_plans(tmp_path):
    """make apply guards with the change set make plan wrote beside the plan: one written for
    another plan (saved over it, or edited) is refused, not trusted."""
    import hashlib

    plan_file = tmp_path / "parent-prod.tfplan"
    plan_file.write_bytes(b"the plan that was reviewed")
    reviewed = hashlib.sha256(plan_file.read_bytes()).hexdigest()
    document = {"stack": "parent-prod", "plan_sha256": reviewed, "changeset": {"changes": []}}
    plan_file.with_name("parent-prod.tfplan.changeset.json").write_text(json.dumps(document))
    plan_file.write_bytes(b"another plan, saved over it")
    stream = io.StringIO()
    workspace = Workspace(load_environment("prod"), "parent", tmp_path / "cdktf.out" / "stacks" / "parent-prod")
    context = Context(progress=Progress(stream, live=False, log_dir=tmp_path / "logs"))
    assert deploy.apply_saved_plan(workspace, context, plan_file, Options()) == exit_codes.ERROR
    assert "(parent-prod.tfplan.changeset.json) is not this plan's" in stream.getvalue()


# ------------------------------------------------ what happens after the apply


@pytest.fixture
def applying(monkeypatch, tmp_path):
    """apply_plan on a parent-local workspace in tmp_path, Terraform's apply replaced by a
    recorded outcome; returns run(applied, options) -> (code, output, rollback calls, hook calls)."""
    config = load_environment("local")
    workspace = Workspace(config, "parent", tmp_path / "repo" / "cdktf.out" / "stacks" / "parent-local")
    configuration = {"resource": {"aws_ssm_parameter": {"parameters_jwt_expire_6FF993E9": {}}}}
    prior = {
        "resources": [
            {"mode": "managed", "type": "aws_ssm_parameter", "name": name, "instances": [{"attributes": {}}]}
            for name in ("parameters_jwt_expire_6FF993E9", "parameters_gsm_base_url_91B96F33")
        ]
    }
    monkeypatch.setattr(deploy, "plan_contents", lambda plan_file, directory: (configuration, prior))
    rollbacks: list[rollback.FailedApply | None] = []
    hooks: list[tuple[str, str]] = []
    outcome = {"status": rollback.ROLLBACK_COMPLETE}
    monkeypatch.setattr(
        deploy.rollback,
        "run",
        lambda workspace, context, *, timeout_seconds, failed, allowed=(): (
            rollbacks.append(failed) or rollback.Outcome(outcome["status"])
        ),
    )
    monkeypatch.setattr(
        deploy,
        "after_apply",
        lambda workspace, configuration=None: hooks.append((workspace.layer, workspace.config.name)) or [],
    )
    # The state right after an apply (its version goes into the record).
    monkeypatch.setattr(deploy.terraform, "state_pull", lambda directory: {"lineage": "lineage-1", "serial": 7})

    def run(
        applied: Applied | Exception, options: Options | None = None, rollback_status: str = rollback.ROLLBACK_COMPLETE
    ):
        outcome["status"] = rollback_status

        def fake_apply(*args, on_cancel=None, **kwargs):
            if isinstance(applied, Exception):
                raise applied
            if applied.cancelled and on_cancel is not None:
                on_cancel(applied.cancelled, applied.log)
            return applied

        monkeypatch.setattr(deploy, "apply", fake_apply)
        stream = io.StringIO()
        context = Context(progress=Progress(stream, live=False, log_dir=tmp_path / "logs"))
        code = deploy.apply_plan(workspace, context, tmp_path / "tfplan", options or Options())
        return code, stream.getvalue(), rollbacks, hooks

    run.workspace = workspace
    run.configuration = configuration
    return run


def test_success_records_the_last_good_configuration_and_runs_the_hook(applying):
    code, output, rollbacks, hooks = applying(Applied(ApplyLog(), 0, 3.0, None))
    assert code == exit_codes.OK
    assert rollbacks == [] and hooks == [("parent", "local")]
    record = applying.workspace.store().read()
    assert record is not None and record.configuration == applying.configuration
    assert record.stack == "parent-local" and record.commit == git_head()
    assert "UPDATE_COMPLETE parent-local (last good configuration: commit" in output


def test_failure_part_way_prints_the_first_failure_and_rolls_back(applying):
    failed = Applied(recorded_log("parent-local-update-failed.apply.jsonl"), 1, 9.0, None)
    code, output, rollbacks, hooks = applying(failed)
    assert code == exit_codes.ROLLED_BACK
    assert re.search(rf"^CREATE_FAILED {re.escape(EXTRA_TWO)}: ValidationException: 1 validation", output, re.M)
    (handed,) = rollbacks
    assert handed.before == {RENAMED, REMOVED}
    assert handed.created == {EXTRA_ONE, EXTRA_TWO}
    assert handed.touched == {RENAMED, REMOVED}  # modified before the failure: the rollback reverts them
    assert hooks == [("parent", "local")]  # after ROLLBACK_COMPLETE too
    assert applying.workspace.store().read() is None  # a failed apply is never a last good one


def test_a_rollback_failed_outcome_maps_to_exit_5_without_the_hook(applying):
    """The mapping only (the rollback's outcome is injected); a rollback that really fails:
    tests/engine/test_rollback.py."""
    failed = Applied(recorded_log("parent-local-update-failed.apply.jsonl"), 1, 9.0, None)
    code, _, rollbacks, hooks = applying(failed, rollback_status=rollback.ROLLBACK_FAILED)
    assert code == exit_codes.ROLLBACK_FAILED
    assert len(rollbacks) == 1 and hooks == []


def test_a_stopped_rollback_outcome_maps_to_exit_6_without_the_hook(applying):
    """The mapping only (the rollback's outcome is injected); two real Ctrl-C during a rollback:
    tests/engine/test_signals.py."""
    failed = Applied(recorded_log("parent-local-update-failed.apply.jsonl"), 1, 9.0, None)
    code, _, rollbacks, hooks = applying(failed, rollback_status=rollback.ROLLBACK_STOPPED)
    assert code == exit_codes.LEFT_AS_IS
    assert len(rollbacks) == 1 and hooks == []


def test_rollback_false_leaves_the_partial_apply(applying):
    failed = Applied(recorded_log("parent-local-update-failed.apply.jsonl"), 1, 9.0, None)
    code, output, rollbacks, _ = applying(failed, Options(rollback=False))
    assert code == exit_codes.LEFT_AS_IS
    assert rollbacks == []
    assert "LEFT_AS_IS parent-local: not rolled back (ROLLBACK=false)" in output
    assert "`make rollback STACK=parent-local`" in output


def test_timeout_says_cancelled_names_what_was_in_flight_then_rolls_back(applying):
    log = ApplyLog()
    for address in (EXTRA_ONE, EXTRA_TWO):
        hook = {"resource": {"addr": address, "resource_type": "aws_ssm_parameter"}, "action": "create"}
        log.feed(json.dumps({"type": "apply_start", "hook": hook}), now=time.monotonic())
    log.feed(json.dumps({"type": "apply_complete", "hook": {"resource": {"addr": EXTRA_ONE}, "action": "create"}}))
    code, output, rollbacks, _ = applying(Applied(log, 1, 600.0, TIMEOUT))
    assert code == exit_codes.ROLLED_BACK
    # local's [deploy] timeout_minutes is 10
    assert "CANCELLED parent-local: the apply ran past its timeout of 10 min" in output
    assert re.search(rf"^  in flight: create {re.escape(EXTRA_TWO)}, for \d+ s$", output, re.M)
    assert rollbacks[0].created == {EXTRA_ONE, EXTRA_TWO}


def test_a_call_cut_off_by_the_cancel_reads_as_cloudformation_says_it():
    from tools.deploy.steps import failure_lines
    from tools.terraform.json_ui import Diagnostic, ResourceFailure

    summary = (
        "creating SSM Parameter (/dailydesk/local/extra-two): operation error SSM: PutParameter, https response "
        "error StatusCode: 0, RequestID: , canceled, context canceled"
    )
    failure = ResourceFailure(
        EXTRA_TWO, "aws_ssm_parameter", "create", 5.0, Diagnostic("error", summary, "", EXTRA_TWO)
    )
    workspace = Workspace(load_environment("local"), "parent", Path("/nonexistent/stacks/parent-local"))
    assert failure_lines(workspace, [failure]) == [f"CREATE_FAILED {EXTRA_TWO}: Resource creation cancelled"]


def test_nothing_applied_means_no_rollback(applying):
    stale = recorded_log("parent-local-stale.apply.jsonl")
    code, output, rollbacks, _ = applying(
        StalePlanError("parent-local: the state changed since this plan was made", stale)
    )
    assert code == exit_codes.ERROR
    assert rollbacks == []
    assert "the state changed since this plan was made" in output
    code, output, rollbacks, _ = applying(Applied(recorded_log("parent-local-locked.plan.jsonl"), 1, 2.0, None))
    assert code == exit_codes.ERROR and rollbacks == []
    assert "Error acquiring the state lock" in output


# ------------------------------------------------ exit codes, timeouts


def test_exit_codes_are_distinct_and_documented_in_the_readme():
    codes = [exit_codes.OK, exit_codes.ERROR, exit_codes.CHANGES, exit_codes.BLOCKED, exit_codes.ROLLED_BACK,
             exit_codes.ROLLBACK_FAILED, exit_codes.LEFT_AS_IS, exit_codes.APPLIED_UNRECORDED,
             exit_codes.CANNOT_CHECK]  # fmt: skip
    assert codes == list(range(9))
    assert sorted(exit_codes.MEANING) == codes == sorted(exit_codes.SEVERITY)
    readme = (REPO_ROOT / "README.md").read_text()
    for code in codes:
        assert re.search(rf"^\| `{code}` \|", readme, re.M), f"README.md does not list exit code {code}"


def test_the_worst_outcome_of_several_workspaces_wins():
    assert exit_codes.worst([]) == exit_codes.OK
    assert exit_codes.worst([exit_codes.OK, exit_codes.ROLLED_BACK]) == exit_codes.ROLLED_BACK
    assert exit_codes.worst([exit_codes.ROLLBACK_FAILED, exit_codes.ERROR]) == exit_codes.ROLLBACK_FAILED


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("45", 2700), ("1h", 3600), ("1.5m", 90), (" 2M ", 120)]
)
def test_timeouts_in_seconds_minutes_or_hours(text, seconds):
    assert deploy_timeout.parse_timeout(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5", "soon", "10d", "25h", "5 minutes"])
def test_bad_timeouts_say_how_to_write_one(text):
    with pytest.raises(ValueError, match=r"write seconds \(90s\), minutes \(30m, or just 30\) or hours \(1h\)"):
        deploy_timeout.parse_timeout(text)


def test_timeout_comes_from_the_environment_unless_given():
    assert deploy_timeout.resolve(load_environment("prod"), None) == 60 * 60
    assert deploy_timeout.resolve(load_environment("staging"), None) == 45 * 60
    assert deploy_timeout.resolve(load_environment("local"), "90s") == 90


# ------------------------------------------------ the rollback's guard, state and plan reading


def test_rollback_may_remove_only_what_the_failed_apply_created():
    state_now = {"aws_ssm_parameter.kept": False, "aws_ssm_parameter.new": False, "aws_ssm_parameter.half": True}
    exempt = rollback.exempt_from_guard(
        state_now,
        {"aws_ssm_parameter.kept", "aws_ssm_parameter.half"},
        rollback.FailedApply(before=frozenset(), created=frozenset({"aws_ssm_parameter.started"})),
        allowed=["aws_kms_key.named"],
    )
    # new: not in the last good configuration; half: tainted (a create that failed half-way);
    # started: its create began in the failed apply; named: the operator's ALLOW=.
    assert exempt == {"aws_ssm_parameter.new", "aws_ssm_parameter.half", "aws_ssm_parameter.started",
                      "aws_kms_key.named"}  # fmt: skip

    workspace = Workspace(load_environment("local"), "parent", Path("/nonexistent/cdktf.out/stacks/parent-local"))
    planned = {"aws_ssm_parameter.kept": "replace", "aws_ssm_parameter.new": "delete", "aws_iam_role.r": "delete"}
    types = {"aws_ssm_parameter.kept": "aws_ssm_parameter", "aws_ssm_parameter.new": "aws_ssm_parameter",
             "aws_iam_role.r": "aws_iam_role"}  # fmt: skip
    changes = rollback.guarded_changes(workspace, planned, types, exempt)
    assert [c.address for c in changes.blocked] == ["aws_ssm_parameter.kept"]
    assert changes.exit_code == changeset.EXIT_BLOCKED


def test_state_addresses_with_index_keys_and_taint():
    state = {
        "resources": [
            {"mode": "managed", "type": "aws_x", "name": "a", "instances": [{"status": "tainted"}]},
            {"mode": "managed", "type": "aws_x", "name": "b", "instances": [{"index_key": 0}, {"index_key": "k"}]},
            {"mode": "data", "type": "aws_y", "name": "c", "instances": [{}]},
        ]
    }
    assert state_addresses(state) == {"aws_x.a": True, "aws_x.b[0]": False, 'aws_x.b["k"]': False}


def test_a_saved_plan_gives_its_configuration_and_prior_state(tmp_path):
    plan_file = tmp_path / "tfplan"
    with zipfile.ZipFile(plan_file, "w") as archive:
        archive.writestr(PLAN_CONFIGURATION, json.dumps({"resource": {"aws_x": {"a": {}}}}))
        archive.writestr("tfstate", json.dumps({"resources": []}))
        archive.writestr("tfplan", b"binary")
    assert not is_saved_cloud_plan(plan_file)
    assert plan_contents(plan_file, tmp_path) == ({"resource": {"aws_x": {"a": {}}}}, {"resources": []})


def test_a_saved_cloud_plan_gives_the_synthesized_configuration_and_the_current_state(tmp_path, monkeypatch):
    # `terraform plan -out` with the cloud backend (dev) writes a bookmark of the remote run.
    plan_file = tmp_path / "tfplan"
    plan_file.write_text(json.dumps({"remote_plan_format": 1, "run_id": "run-abc", "hostname": "tfc.example"}))
    (tmp_path / "cdk.tf.json").write_text(json.dumps({"resource": {"aws_x": {"a": {}}}}))
    pulled = []
    monkeypatch.setattr(deploy_steps.terraform, "state_pull", lambda d: pulled.append(d) or {"resources": []})
    assert is_saved_cloud_plan(plan_file)
    assert plan_contents(plan_file, tmp_path) == ({"resource": {"aws_x": {"a": {}}}}, {"resources": []})
    assert pulled == [tmp_path]
    not_a_plan = tmp_path / "notes.json"
    not_a_plan.write_text('{"run_id": "run-abc"}')
    assert not is_saved_cloud_plan(not_a_plan)


def test_last_good_record_round_trip(tmp_path):
    store = last_good.FileStore(tmp_path / "state" / "local" / "parent-local.last-good.json")
    assert store.read() is None
    record = last_good.new_record("parent-local", {"resource": {"aws_x": {"a": {}, "b": {}}}}, ("abc123", True))
    store.write(record)
    assert store.read() == record
    assert record.addresses() == {"aws_x.a", "aws_x.b"}
    assert record.described.startswith("commit abc123 with uncommitted changes, applied ")
    assert not list(store.path.parent.glob("*.tmp"))
    store.delete()
    assert store.read() is None


@pytest.mark.parametrize(("env", "expected"), [("local", ["-parallelism=30"]), ("prod", []), ("dev", [])])
def test_plan_apply_and_destroy_run_with_the_environments_parallelism(monkeypatch, tmp_path, env, expected):
    """`[deploy] parallelism` reaches every Terraform command that walks the resources; an
    environment on Terraform's default (the cloud backend must be) gets no flag at all."""
    commands: list[list[str]] = []

    def fake_run(directory, args, **kwargs):
        commands.append(args)
        return deploy_steps.terraform_process.Completed(returncode=0, seconds=0.1)

    monkeypatch.setattr(deploy_steps.terraform_process, "run", fake_run)
    workspace = Workspace(load_environment(env), "parent", tmp_path / "stacks" / f"parent-{env}")
    context = Context(progress=Progress(io.StringIO(), live=False, log_dir=tmp_path / "logs"))

    deploy_steps.plan(workspace, context, lock=True)
    deploy_steps.apply(workspace, context, tmp_path / "plan.tfplan", deadline=None)
    deploy_steps.destroy(workspace, context)

    assert [command[:2] for command in commands] == [["plan", "-json"], ["apply", "-json"], ["apply", "-destroy"]]
    assert [[arg for arg in command if arg.startswith("-parallelism")] for command in commands] == [expected] * 3
