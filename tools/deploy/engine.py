"""The deploy engine: one way to plan, apply and roll back a workspace, for every environment.

    ./dailydesk deploy backend-prod [--allow ADDRESS] [--rollback false] [--timeout 30m]
    ./dailydesk plan backend-prod [--plan FILE]     # make plan: the saved plan + its change set
    ./dailydesk apply backend-prod --plan FILE      # make apply: exactly that saved plan
    ./dailydesk rollback backend-prod               # make rollback: to the last good configuration
    ./dailydesk diff backend-prod                   # make diff: the change set, nothing saved
    ./dailydesk changeset parent-prod backend-prod  # make changeset: several stacks, as diff

`make deploy`, `make plan`/`make apply`, `make rollback`, `make diff`, `make deploy-local`
and `make destroy-local` (tools/local_environment.py) all run through here. What it does,
in CloudFormation's terms:

1. Checks: the stack name, the credentials (a clear message instead of a hang), the
   preflight of the world outside Terraform (before deploy and apply).
2. Change set: synthesize the environment (tools/synth.py, no cdktf CLI), `terraform plan`
   to a saved plan, the change set (tools/changeset.py) and its **guard**: removing or
   replacing a stateful resource needs `--allow ADDRESS` (ALLOW=).
3. Apply exactly that saved plan, `terraform apply -json` (full output in the step's log),
   and verify it (tools/deploy/watch.py): the service's rollout COMPLETED, no rollback trigger
   in ALARM during the apply and the monitoring window (a missing trigger, or one already in
   ALARM, stops before the apply). Then the workspace's **last good configuration** (its
   cdk.tf.json, the commit and the state version it left, tools/deploy/last_good.py) is
   recorded beside its state, then `after_apply` runs (the backend's API keys, also after an
   empty plan). A failed verification is a failed apply (4.). Before a saved plan is applied
   (`make apply`): its change set must be the one `make plan` wrote for it, the guard holds
   again, and what it read of the pipeline's image must still hold (tools/deploy/live_reads.py).
4. On failure: the first failed resource is printed like CloudFormation's first
   `*_FAILED` event, then the **rollback** (tools/deploy/rollback.py) applies the last good
   configuration again (or, on a first deploy, removes what the apply created) and ends
   with `ROLLBACK_COMPLETE` or `ROLLBACK_FAILED`; when the workspace changed outside the
   engine since the record, it removes only what the failed apply created and names the
   rest. `--rollback false` (ROLLBACK=false) keeps the partial apply.
5. **Cancel**: an apply running past the environment's `[deploy] timeout_minutes` (or
   `--timeout`, TIMEOUT=) gets one SIGINT; Terraform stops, saves its state and releases the
   lock; then `CANCELLED` and the rollback. Ctrl-C, SIGTERM and SIGHUP do the same, once; a
   first interrupt during a rollback is only reported; a second Ctrl-C stops without rolling
   back (tools/terraform/process.py).

Locks: plans for review (`plan`, `diff`) never take the state lock (`-lock=false`);
`deploy` and `apply` take it and fail at once when it is held (`-lock-timeout=0s`).

Exit codes (tools/deploy/exit_codes.py): 0 success or no changes, 1 error before anything was
applied, 2 changes (plan/diff/changeset), 3 blocked by the guard, 4 failed and rolled back,
5 rollback failed, 6 failed and left as is, 7 applied but the last good configuration not
recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import EnvironmentConfig
from tools import api_keys, changeset, preflight, synth
from tools.aws import Clients, missing_credentials
from tools.deploy import exit_codes, last_good, live_reads, rollback, watch
from tools.deploy import timeout as deploy_timeout
from tools.deploy.progress import Progress, log_dir_for, shown
from tools.deploy.steps import (
    PLAN_CONFIGURATION,
    Applied,
    Context,
    LockHeldError,
    StalePlanError,
    StepError,
    apply,
    failure_lines,
    init,
    is_saved_cloud_plan,
    plan,
    plan_contents,
    state_addresses,
)
from tools.deploy.workspace import Workspace, parse_stack, write_configuration
from tools.paths import DEFAULT_OUTDIR
from tools.terraform import cli as terraform
from tools.terraform.json_ui import ApplyLog
from tools.terraform.process import TIMEOUT
from workspace import layers

# make plan's default: .deploy-plans/<stack>.tfplan beside cdktf.out/ (git-ignored).
PLAN_DIR_NAME = ".deploy-plans"


def after_apply(workspace: Workspace, configuration: dict[str, Any] | None = None) -> list[str]:
    """What runs at the end of every engine deploy, apply and rollback of a workspace (also
    when the plan was empty), for the configuration now applied (`configuration`, or the
    stack directory's); returns the lines to show.

    `backend`: Terraform creates the EventBridge connections with a placeholder and never
    holds an API key, so the keys are put in from Secrets Manager here (`tools.api_keys.sync`,
    only where a connection differs, only the connections of that configuration; `make
    sync-api-keys` runs the same). It raises when a key could not be put in."""
    if workspace.layer != layers.BACKEND.name:
        return []
    applied = configuration if configuration is not None else workspace.configuration()
    rows = api_keys.sync(workspace.config, only=api_keys.configured_connections(applied))
    return [f"api keys: {row.connection} {row.status}" for row in rows]


@dataclass(frozen=True)
class Options:
    allowed: tuple[str, ...] = ()
    rollback: bool = True
    timeout: str | None = None  # TIMEOUT=: 90s, 30m, 1h or minutes; default [deploy] timeout_minutes
    show_changeset: bool = True  # print the full change set (make deploy); deploy-local prints counts only
    ignore_alarms: tuple[str, ...] = ()  # IGNORE_ALARM=: rollback triggers in ALARM to deploy anyway, unwatched


# ------------------------------------------------------------------ the engine


def deploy(workspace: Workspace, context: Context, options: Options) -> int:
    """init, plan (taking the lock), guard, apply that plan; roll back on failure."""
    try:
        deploy_timeout.resolve(workspace.config, options.timeout)  # a bad TIMEOUT stops before the plan
        init(workspace, context)
        if context.interrupts.cancelled:
            return _stopped_before(workspace, context)
        planned = plan(workspace, context, lock=True)
    except (ValueError, StepError) as error:
        context.progress.line(f"error: {error}")
        return exit_codes.ERROR
    try:
        if not planned.changes:
            context.progress.line(f"{workspace.stack}: no changes, nothing to apply")
            _record_unchanged(workspace, context, planned.plan_file)
            # An empty plan says nothing of what Terraform never holds (the API keys): converge them too.
            return _after_apply(workspace, context, exit_codes.OK)
        changes = review(workspace, context, planned.plan_file, planned.log, options)
        if changes.exit_code == exit_codes.BLOCKED:
            context.progress.line(f"{workspace.stack}: not applied: the guard blocked this plan")
            return exit_codes.BLOCKED
        return apply_plan(workspace, context, planned.plan_file, options)
    finally:
        workspace.discard(planned.plan_file)  # this command's own (steps.plan): no other command shares it


def review(
    workspace: Workspace, context: Context, plan_file: Path, log: ApplyLog, options: Options
) -> changeset.ChangeSet:
    """The change set of a saved plan (printed in full when asked), with the guard."""
    if options.show_changeset:
        changes = changeset.parse_plan(
            workspace.stack,
            terraform.show_json(workspace.directory, str(plan_file)),
            paths=workspace.construct_paths(),
            allowed=options.allowed,
        )
        context.progress.line(changeset.render(changes))
        return changes
    changes = changeset.from_planned_changes(
        workspace.stack, log.planned, log.planned_types, paths=workspace.construct_paths(), allowed=options.allowed
    )
    if changes.blocked:
        context.progress.line(changeset.render(changes))
    return changes


def _record_unchanged(workspace: Workspace, context: Context, plan_file: Path) -> None:
    """A plan with no changes proves the configuration describes the workspace as it is:
    it is a last good configuration (the baseline of a workspace deployed before the engine,
    or after a fix made by hand)."""
    store = workspace.store()
    if not store.available:
        return
    configuration, prior_state = plan_contents(plan_file, workspace.directory)
    state = last_good.StateVersion.of(prior_state)
    try:
        recorded = store.read()
        if recorded is None or recorded.configuration != configuration or recorded.state != state:
            record = last_good.new_record(workspace.stack, configuration, state=state)
            store.write(record)
            context.progress.line(f"{workspace.stack}: last good configuration recorded ({record.described})")
    except Exception as error:  # nothing was applied: a missing record only weakens a later rollback
        context.progress.line(
            f"warning: {workspace.stack}: last good configuration not recorded at {store.where}: {error}"
        )


def _stopped_before(workspace: Workspace, context: Context) -> int:
    context.progress.line(f"{workspace.stack}: stopped by the operator before anything was applied")
    return exit_codes.ERROR


def apply_plan(
    workspace: Workspace,
    context: Context,
    plan_file: Path,
    options: Options,
    commit: tuple[str | None, bool] | None = None,
) -> int:
    """Apply exactly `plan_file`; record the last good configuration, or roll back."""
    progress = context.progress
    try:
        timeout_seconds = deploy_timeout.resolve(workspace.config, options.timeout)
    except ValueError as error:
        progress.line(f"error: {error}")
        return exit_codes.ERROR
    configuration, prior_state = plan_contents(plan_file, workspace.directory)
    before = state_addresses(prior_state)
    before_state = last_good.StateVersion.of(prior_state)
    if context.interrupts.cancelled:
        return _stopped_before(workspace, context)
    watcher = _ready_to_apply(workspace, context, configuration, prior_state, options)
    if watcher is None:
        return exit_codes.ERROR

    def on_cancel(reason: str, log: ApplyLog) -> None:
        if reason == TIMEOUT:
            why = (
                f"the apply ran past its timeout of {deploy_timeout.describe(timeout_seconds)} "
                "(TIMEOUT= or [deploy] timeout_minutes)"
            )
        else:
            why = "interrupted by the operator"
        progress.line(f"CANCELLED {workspace.stack}: {why}; Terraform got one SIGINT and is saving its state")
        now = time.monotonic()
        for address, (action, started) in sorted(log.running.items()):
            progress.line(f"  in flight: {action} {workspace.path_of(address)}, for {now - started:.0f} s")

    deadline = time.monotonic() + timeout_seconds
    try:
        with watcher.during_apply():
            applied = apply(workspace, context, plan_file, deadline=deadline, on_cancel=on_cancel)
    except (StalePlanError, LockHeldError) as error:
        progress.line(f"error: {error}")
        return exit_codes.ERROR
    if applied.ok and watcher.verify(applied.log, deadline, timeout_seconds):
        return _succeeded(workspace, context, configuration, before, commit)
    return _failed(
        workspace,
        context,
        applied,
        before=before,
        before_state=before_state,
        options=options,
        timeout_seconds=timeout_seconds,
    )


def _ready_to_apply(
    workspace: Workspace,
    context: Context,
    configuration: dict[str, Any],
    prior_state: dict[str, Any],
    options: Options,
) -> watch.Watch | None:
    """The checks before anything is applied, or None after saying which one refused: what the
    plan read still holds, and the rollback triggers exist and are quiet. The watcher then
    watches the apply and verifies it (tools/deploy/watch.py): only a verified apply is last good."""
    if not _reads_still_hold(workspace, context, prior_state):
        return None
    try:
        return watch.prepare(workspace, context, configuration, options.ignore_alarms)
    except watch.RefusedError as error:
        context.progress.line(f"error: {error}")
        return None


def _reads_still_hold(workspace: Workspace, context: Context, prior_state: dict[str, Any]) -> bool:
    """False (after saying why) when what the plan read of the pipeline's image has moved
    since: applying it would roll the running image back (tools/deploy/live_reads.py)."""
    try:
        moved = live_reads.moved_images(prior_state, lambda: Clients(workspace.config)("ecs"))
    except Exception as error:
        context.progress.line(
            f"error: {workspace.stack}: could not check the image the plan read against ECS ({error}); "
            "nothing was applied"
        )
        return False
    if not moved:
        return True
    context.progress.line(
        f"error: {workspace.stack}: the pipeline deployed since this plan was made; applying it would roll the "
        f"running image back. Plan again (make plan STACK={workspace.stack}); nothing was applied:"
    )
    for line in moved:
        context.progress.line(f"  {line}")
    return False


def _failed(
    workspace: Workspace,
    context: Context,
    applied: Applied,
    *,
    before: dict[str, bool],
    before_state: last_good.StateVersion | None,
    options: Options,
    timeout_seconds: float,
) -> int:
    """After a failed or cancelled apply: report, then roll back (or say why not)."""
    progress = context.progress
    if not _report_failure(workspace, context, applied):
        return exit_codes.ERROR  # nothing was applied: nothing to roll back
    log = applied.log
    try:
        # Right away: a rollback must find exactly this state, not a deploy that landed since.
        after_state = last_good.StateVersion.of(terraform.state_pull(workspace.directory))
    except Exception as error:
        progress.line(f"warning: {workspace.stack}: the state after the failed apply could not be read: {error}")
        after_state = None
    failed = rollback.FailedApply(
        before=frozenset(before),
        created=frozenset(log.created_addresses()),
        touched=frozenset(
            address
            for address in {*log.completed, *log.running, *(f.address for f in log.failures)}
            if address in before
        ),
        before_state=before_state,
        after_state=after_state,
    )
    if not options.rollback or context.interrupts.stop_now:
        why = "ROLLBACK=false" if not options.rollback else "the operator interrupted twice"
        progress.line(
            f"LEFT_AS_IS {workspace.stack}: not rolled back ({why}); what the apply did is kept, in state. "
            f"Roll back later with `make rollback STACK={workspace.stack}`, or fix forward with `make deploy`"
        )
        rollback.note_unfinished(workspace, context, failed, workspace.directory)
        return exit_codes.LEFT_AS_IS
    with context.interrupts.rolling_back():  # one Ctrl-C never aborts a rollback
        outcome = rollback.run(workspace, context, timeout_seconds=timeout_seconds, failed=failed)
    return _after_rollback(workspace, context, outcome, exit_codes.ROLLED_BACK, first_deploy=not before)


def _after_rollback(
    workspace: Workspace, context: Context, outcome: rollback.Outcome, complete: int, *, first_deploy: bool = False
) -> int:
    """The exit code of a rollback's outcome, after the keys of what it left are in sync."""
    if outcome.status == rollback.ROLLBACK_STOPPED:
        return exit_codes.LEFT_AS_IS
    if not outcome.complete:
        # Between two configurations nothing says which connections should exist: the keys
        # follow the `make rollback` that completes it.
        return exit_codes.ROLLBACK_FAILED
    if first_deploy and outcome.configuration is None:
        return complete  # a first deploy rolled back: nothing of the workspace is left to sync
    return _after_apply(workspace, context, complete, outcome.configuration)


def _report_failure(workspace: Workspace, context: Context, applied: Applied) -> bool:
    """Print why the apply stopped (CloudFormation's first *_FAILED event first); False when
    it stopped before changing anything."""
    progress, log = context.progress, applied.log
    for line in failure_lines(workspace, log.failed_resources()):
        progress.line(line)
    if log.started_any:
        return True
    if applied.cancelled:
        progress.line(f"{workspace.stack}: nothing was applied")
    else:
        progress.line(f"error: {workspace.stack}: the apply failed before changing anything:")
        for diagnostic in log.errors:
            progress.line(f"  {diagnostic.text}")
    return False


def _succeeded(
    workspace: Workspace,
    context: Context,
    configuration: dict[str, Any],
    before: dict[str, bool],
    commit: tuple[str | None, bool] | None,
) -> int:
    store = workspace.store()
    status = "UPDATE_COMPLETE" if before else "CREATE_COMPLETE"
    code = exit_codes.OK
    if store.available:
        try:
            state = last_good.StateVersion.of(terraform.state_pull(workspace.directory))
            record = last_good.new_record(workspace.stack, configuration, commit, state=state)
            store.write(record)
        except Exception as error:  # the apply succeeded: say that the record is missing, why, and the fix
            context.progress.line(
                f"{status} {workspace.stack}, but its last good configuration was NOT recorded at {store.where}: "
                f"{error}. A failed deploy could not roll back to this one. next: `make deploy "
                f"STACK={workspace.stack}` again (a plan without changes records it)"
            )
            code = exit_codes.APPLIED_UNRECORDED
        else:
            context.progress.line(f"{status} {workspace.stack} (last good configuration: {record.described})")
    else:
        assert isinstance(store, last_good.NoStore)
        context.progress.line(f"{status} {workspace.stack} (no last good configuration kept: {store.reason})")
    return _after_apply(workspace, context, code, configuration)


def _after_apply(workspace: Workspace, context: Context, code: int, configuration: dict[str, Any] | None = None) -> int:
    """`after_apply` for the configuration now applied. After a rollback its failure is a
    warning: the rollback's outcome (exit 4) is what the operator must see."""
    try:
        for line in after_apply(workspace, configuration):
            context.progress.line(line)
    except Exception as error:
        if code == exit_codes.ROLLED_BACK:
            context.progress.line(
                f"warning: {workspace.stack}: after the rollback, after_apply failed: {error}; "
                f"next: `make sync-api-keys ENV={workspace.config.name}` once the cause is fixed"
            )
            return code
        context.progress.line(f"error: {workspace.stack}: applied, but after_apply failed: {error}")
        return exit_codes.ERROR
    return code


def continue_rollback(workspace: Workspace, context: Context, options: Options) -> int:
    """`make rollback`: apply the last good configuration again (Continue update rollback)."""
    try:
        timeout_seconds = deploy_timeout.resolve(workspace.config, options.timeout)
    except ValueError as error:
        context.progress.line(f"error: {error}")
        return exit_codes.ERROR
    with context.interrupts.rolling_back():
        outcome = rollback.run(
            workspace, context, timeout_seconds=timeout_seconds, failed=None, allowed=options.allowed
        )
    return _after_rollback(workspace, context, outcome, exit_codes.OK)


def plan_for_review(
    workspace: Workspace, context: Context, options: Options, plan_file: Path | None = None
) -> tuple[int, changeset.ChangeSet | None]:
    """`make plan` / `make diff`: a plan that never takes the state lock, and its change set.
    `make plan` keeps its `plan_file` with the change set beside it (`plan_metadata`); without
    one (`make diff`, `make changeset`) the plan is a scratch file of this command's own."""
    saved = plan_file is not None
    plan_file = plan_file or workspace.scratch_plan_file()
    try:
        try:
            init(workspace, context)
            planned = plan(workspace, context, lock=False, plan_file=plan_file)
        except StepError as error:
            context.progress.line(f"error: {error}")
            return exit_codes.ERROR, None
        changes = changeset.parse_plan(
            workspace.stack,
            terraform.show_json(workspace.directory, str(planned.plan_file)),
            paths=workspace.construct_paths(),
            allowed=options.allowed,
        )
    finally:
        if not saved:
            workspace.discard(plan_file)
    if saved:
        _write_plan_files(workspace, plan_file, changes, last_good.current_commit())
    context.progress.line(changeset.render(changes))
    return changes.exit_code, changes


# ------------------------------------------------------------------ command line


def quiet_preflight(config: EnvironmentConfig, progress: Progress) -> bool:
    """The preflight's table only when it finds something; one line otherwise."""
    started = time.monotonic()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = preflight.main([f"--env={config.name}"])
    if code != 0:
        print(output.getvalue(), end="")
        return False
    progress.step(config.name, "preflight", "ok", time.monotonic() - started)
    return True


def _synthesize(config: EnvironmentConfig, outdir: Path, progress: Progress) -> None:
    started = time.monotonic()
    with progress.running(config.name, "synth"):
        synth.synthesize([config.name], outdir)
    progress.step(config.name, "synth", "ok", time.monotonic() - started)


def plan_metadata(plan_file: Path) -> Path:
    return plan_file.with_name(plan_file.name + ".changeset.json")


def save_plan(workspace: Workspace, context: Context, options: Options, plan_file: Path) -> int:
    """`make plan`: a plan for review saved as `plan_file`, with its change set and metadata
    beside it (`make apply` needs both), and the command that applies exactly it."""
    plan_file.parent.mkdir(parents=True, exist_ok=True)
    code, changes = plan_for_review(workspace, context, options, plan_file)
    if changes is None:
        return code
    progress = context.progress
    progress.line(f"saved plan: {shown(plan_file)} (change set: {shown(plan_metadata(plan_file))})")
    apply_command = f"make apply STACK={workspace.stack} PLAN={shown(plan_file)}"
    if changes.blocked:
        allow = " ".join(c.address for c in changes.blocked)
        progress.line(
            f"the guard blocked this plan: make apply refuses it unless ALLOW= names what it removes or "
            f'replaces: {apply_command} ALLOW="{allow}"'
        )
    else:
        progress.line(f"apply exactly this plan with: {apply_command}")
    return code


def _write_plan_files(
    workspace: Workspace, plan_file: Path, changes: changeset.ChangeSet, commit: tuple[str | None, bool]
) -> None:
    plan_file.with_name(plan_file.name + ".changeset.txt").write_text(changeset.render(changes) + "\n")
    document = {
        "stack": workspace.stack,
        "plan": plan_file.name,
        # Ties this change set to exactly this plan: make apply guards with it, no second read.
        "plan_sha256": _sha256(plan_file),
        "commit": commit[0],
        "dirty": commit[1],
        "changeset": changes.to_dict(),
    }
    plan_metadata(plan_file).write_text(json.dumps(document, indent=2) + "\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def apply_saved_plan(workspace: Workspace, context: Context, plan_file: Path, options: Options) -> int:
    """`make apply`: the saved plan's own configuration into the stack directory, init, the
    guard again for exactly this plan, apply."""
    try:
        document = _restore_saved_plan(workspace, plan_file)
        init(workspace, context)
    except StepError as error:
        context.progress.line(f"error: {error}")
        return exit_codes.ERROR
    blocked = _blocked_in_saved_plan(workspace, plan_file, document, options)
    if blocked:
        context.progress.line(
            f"{workspace.stack}: not applied: the guard blocked this plan; it removes or replaces stateful resources:"
        )
        for address in blocked:
            context.progress.line(f"  {workspace.path_of(address)}")
        allow = " ".join(blocked)
        context.progress.line(f'if that is intended: make apply STACK={workspace.stack} PLAN=… ALLOW="{allow}"')
        return exit_codes.BLOCKED
    commit = (document.get("commit"), bool(document.get("dirty")))
    return apply_plan(workspace, context, plan_file, options, commit)


def _restore_saved_plan(workspace: Workspace, plan_file: Path) -> dict[str, Any]:
    """The metadata `make plan` wrote beside `plan_file` (stack, commit, change set), after
    putting the plan's own configuration into the stack directory, whatever the checkout
    holds now. Raises StepError for anything that is not a saved plan of this stack."""
    if not plan_file.is_file():
        raise StepError(f"no saved plan at {plan_file}: make plan STACK={workspace.stack} first")
    metadata = plan_metadata(plan_file)
    # Without it nobody can say which stack, commit and change set this plan is: never guess.
    if not metadata.is_file():
        raise StepError(
            f"{plan_file} has no change set beside it ({metadata.name} is missing): make apply applies only a plan "
            f"saved by `make plan STACK={workspace.stack} PLAN=…`, with its change set; plan again"
        )
    try:
        document: dict[str, Any] = json.loads(metadata.read_text())
    except ValueError as error:
        raise StepError(f"{metadata} is not the change set `make plan` writes: {error}; plan again") from None
    if document.get("stack") != workspace.stack:
        raise StepError(f"{plan_file} is a plan of {document.get('stack')}, not {workspace.stack}")
    if document.get("plan_sha256") != _sha256(plan_file):
        raise StepError(
            f"the change set beside {plan_file} ({metadata.name}) is not this plan's (another plan was saved "
            f"over it, or it was edited); plan again (make plan STACK={workspace.stack})"
        )
    if is_saved_cloud_plan(plan_file):
        if not workspace.configuration_file.is_file():
            raise StepError(f"{plan_file} is a saved cloud plan; synthesize {workspace.stack} first")
        return document
    try:
        with zipfile.ZipFile(plan_file) as archive:
            configuration = json.loads(archive.read(PLAN_CONFIGURATION))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise StepError(f"{plan_file} is not a saved Terraform plan: {error}") from None
    write_configuration(workspace.directory, configuration)
    return document


def _blocked_in_saved_plan(
    workspace: Workspace, plan_file: Path, metadata: dict[str, Any], options: Options
) -> list[str]:
    """The guard again, at apply time, for exactly the saved plan: its stateful removals and
    replacements not named with ALLOW=, from the change set make plan wrote beside it (the
    same plan: its SHA-256 is in the change set; `_restore_saved_plan` checked it)."""
    changes = metadata.get("changeset", {}).get("changes", [])
    return sorted(c["address"] for c in changes if c.get("guarded") and c["address"] not in options.allowed)


def run_command(args: argparse.Namespace, progress: Progress | None = None) -> int:
    try:
        layer, environment = parse_stack(args.stack)
        config = load_environment(environment)
        options = Options(
            allowed=tuple(args.allow),
            rollback=args.rollback == "true",
            timeout=args.timeout or None,
            ignore_alarms=tuple(args.ignore_alarm),
        )
        if options.timeout:
            deploy_timeout.parse_timeout(options.timeout)
    except (ValueError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_codes.ERROR
    problems = missing_credentials(config)
    if problems:
        print(f"error: cannot {args.command} {args.stack}:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return exit_codes.ERROR
    progress = progress or Progress(log_dir=log_dir_for(args.outdir))
    context = Context(progress=progress)
    workspace = Workspace.of(config, layer.name, args.outdir)
    progress.line(f"logs: {progress.logs_pattern()}")
    try:
        with context.interrupts.handling_signals():
            code = _dispatch(args, config, workspace, context, options)
    except synth.SynthError as error:
        progress.line(f"error: {error}")
        code = exit_codes.ERROR
    finally:
        progress.close()
    if code not in (exit_codes.OK, exit_codes.CHANGES):
        # make exits 2 whatever the recipe's code: say it (./dailydesk returns it).
        progress.line(f"exit code {code}: {exit_codes.MEANING[code]}")
    return code


def _dispatch(
    args: argparse.Namespace, config: EnvironmentConfig, workspace: Workspace, context: Context, options: Options
) -> int:
    progress = context.progress
    if args.command in ("deploy", "apply") and not quiet_preflight(config, progress):
        progress.line(f"error: {args.stack}: not deployed: the preflight found missing or unusable items")
        return exit_codes.ERROR
    if args.command == "rollback":
        return continue_rollback(workspace, context, options)
    if args.command == "apply":
        if is_saved_cloud_plan(Path(args.plan)):
            # The remote run holds the plan; the `cloud` block of the synthesized stack finds it.
            _synthesize(config, args.outdir, progress)
        return apply_saved_plan(workspace, context, Path(args.plan).resolve(), options)
    _synthesize(config, args.outdir, progress)
    if args.command == "deploy":
        return deploy(workspace, context, options)
    if args.command == "plan":
        default = args.outdir.resolve().parent / PLAN_DIR_NAME / f"{args.stack}.tfplan"
        return save_plan(workspace, context, options, Path(args.plan).resolve() if args.plan else default)
    code, _ = plan_for_review(workspace, context, options)
    return code


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dailydesk", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("deploy", "plan", "apply", "rollback", "diff"))
    parser.add_argument("stack", help="<layer>-<env>, e.g. backend-prod")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a stateful resource the plan (or the rollback) may remove or replace (repeatable)",
    )
    parser.add_argument("--plan", metavar="FILE", help="plan: where to save it; apply: the saved plan to apply")
    parser.add_argument(
        "--rollback", choices=("true", "false"), default="true", help="roll back a failed apply (default true)"
    )
    parser.add_argument("--timeout", metavar="DURATION", help="90s, 30m, 1h or minutes; default [deploy] of the env")
    parser.add_argument(
        "--ignore-alarm",
        action="append",
        default=[],
        metavar="NAME",
        help="a rollback trigger already in ALARM to deploy anyway, unwatched this once (repeatable)",
    )
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR)
    return parser


def changeset_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dailydesk changeset", description="The change sets and the guard of one or more stacks (no state lock)."
    )
    parser.add_argument("stacks", nargs="+", metavar="STACK", help="<layer>-<env>, e.g. backend-prod")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the change sets as JSON")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a stateful resource address this plan may remove or replace (repeatable)",
    )
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR)
    parser.add_argument("--skip-synth", action="store_true", help="plan the stacks already in --outdir")
    return parser


def changeset_command(argv: list[str]) -> int:
    """`make changeset`: the plans of several stacks for review, through the same steps as
    `make plan`/`make diff` (never the state lock); the worst of their exit codes."""
    args = changeset_parser().parse_args(argv)
    try:
        stacks = [(stack, *parse_stack(stack)) for stack in args.stacks]
        configs = {environment: load_environment(environment) for _, _, environment in stacks}
    except (ValueError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_codes.ERROR
    for environment, config in configs.items():
        problems = missing_credentials(config)
        if problems:
            print(f"error: cannot plan {environment}:\n  - " + "\n  - ".join(problems), file=sys.stderr)
            return exit_codes.ERROR
    progress = Progress(log_dir=log_dir_for(args.outdir))
    context = Context(progress=progress)
    options = Options(allowed=tuple(args.allow))
    changesets: list[changeset.ChangeSet] = []
    code = exit_codes.OK
    try:
        with context.interrupts.handling_signals():
            if not args.skip_synth:
                for config in configs.values():
                    _synthesize(config, args.outdir, progress)
            for _, layer, environment in stacks:
                workspace = Workspace.of(configs[environment], layer.name, args.outdir)
                code, changes = plan_for_review(workspace, context, options)
                if changes is None:
                    return code
                changesets.append(changes)
    except synth.SynthError as error:
        progress.line(f"error: {error}")
        return exit_codes.ERROR
    finally:
        progress.close()
    if args.json:
        args.json.write_text(json.dumps([c.to_dict() for c in changesets], indent=2) + "\n")
    code = changeset.combined_exit_code(changesets)
    verdicts = {exit_codes.OK: "no changes", exit_codes.CHANGES: "changes", exit_codes.BLOCKED: "blocked by the guard"}
    print(verdicts[code])
    return code


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "changeset":
        return changeset_command(argv[1:])
    args = parser().parse_args(argv)
    if args.command == "apply" and not args.plan:
        print("error: apply needs the saved plan: --plan FILE (make apply STACK=… PLAN=…)", file=sys.stderr)
        return exit_codes.ERROR
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
