"""CloudFormation's automatic rollback for one Terraform workspace.

After an apply fails part-way or is cancelled, the engine (tools/deploy/engine.py) calls `run`:

- **A last good configuration exists** (tools/deploy/last_good.py): it is written into a rollback
  copy of the stack directory (`<outdir>/rollback/<stack>/`, the same depth, so relative
  state paths resolve to the same files), planned against the live state, guarded, and
  applied. That reverts what the failed apply modified, destroys what it created and
  re-creates what it destroyed: the workspace is again what its last successful apply made.
- **None exists** (the workspace's first deploy; or Terraform Cloud, which keeps none of
  ours): what the failed apply created is destroyed (`-target` each new address,
  `-refresh=false`), and nothing that existed before is touched. The destroy is planned
  first and refused if it would reach anything older.

The guard holds for rollbacks too: a rollback plan that removes or replaces a stateful
resource (workspace/protection.py) stops before applying, unless that resource was
created by the failed apply itself (it is not in the last good configuration, is tainted,
or its create started in the failed apply) or the operator names it (ALLOW=).

The outcome is CloudFormation's: ROLLBACK_COMPLETE, or ROLLBACK_FAILED with what is left
and the next command (`make rollback STACK=…`, CloudFormation's "Continue update rollback");
or LEFT_AS_IS when the operator's second Ctrl-C stopped it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tools import changeset
from tools.deploy.last_good import NoStore, Record, StateVersion, Store, Unfinished
from tools.deploy.steps import (
    Context,
    StepError,
    apply,
    base_address,
    failure_lines,
    init,
    plan,
    state_addresses,
)
from tools.deploy.workspace import ROLLBACK_PLAN_FILE, Workspace, write_configuration
from tools.terraform import cli as terraform
from tools.terraform import lock as provider_lock

ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"
ROLLBACK_FAILED = "ROLLBACK_FAILED"
# The operator's second Ctrl-C: the rollback was stopped, the workspace left as it is.
ROLLBACK_STOPPED = "LEFT_AS_IS"


@dataclass(frozen=True)
class FailedApply:
    """What the engine saw of the apply it rolls back."""

    before: frozenset[str]  # resource addresses in state before the apply (the saved plan's prior state)
    created: frozenset[str] = frozenset()  # addresses whose create started in the apply
    touched: frozenset[str] = frozenset()  # addresses that existed before and the apply changed or destroyed
    before_state: StateVersion | None = None  # the state the apply started from (the saved plan's prior state)
    after_state: StateVersion | None = None  # the state the failed apply left, read right after it stopped


@dataclass(frozen=True)
class Outcome:
    status: str
    lines: tuple[str, ...] = field(default=())
    # The state moved outside the engine: nothing of the record may be assumed (tools/deploy/last_good.py).
    changed_outside: bool = False
    # The configuration the workspace is on after ROLLBACK_COMPLETE to the last good one.
    configuration: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        return self.status == ROLLBACK_COMPLETE


def exempt_from_guard(
    state_now: dict[str, bool],
    before: Iterable[str],
    failed: FailedApply | None,
    allowed: Iterable[str] = (),
) -> set[str]:
    """Addresses a rollback may remove or replace although their type is stateful: what the
    engine's own failed apply created. `before` is what the state held before that apply
    (checked to be the last good record's state, see `out_of_band`), so whatever is in state
    and was not before was created by it; a tainted instance is a create that failed half-way."""
    before = set(before)
    created = {a for a in state_now if a not in before and base_address(a) not in before}
    tainted = {a for a, is_tainted in state_now.items() if is_tainted}
    return created | tainted | set(failed.created if failed else ()) | set(allowed)


def out_of_band(record: Record, failed: FailedApply | None, now: StateVersion | None) -> str | None:
    """Why the state is not the one the record describes plus the engine's own failed apply,
    or None when it is. `now` is the state as the rollback finds it.

    After a failed apply, the state it started from must be the record's; for `make rollback`
    the state must be the record's, or the one an unfinished apply of the engine left. A
    record of format 1 (no state version) cannot be checked: None, as before."""
    if record.state is None:
        return None
    unfinished = record.unfinished
    found: StateVersion | None
    expected: StateVersion | None
    if failed is not None:
        what, found, expected = "the state this apply started from", failed.before_state, record.state
    elif unfinished is not None and unfinished.before != record.state:
        what, found, expected = "the state the engine's unfinished apply started from", unfinished.before, record.state
    elif unfinished is not None:
        what, found, expected = "the state (after the engine's unfinished apply)", now, unfinished.after
    else:
        what, found, expected = "the state", now, record.state
    if found == expected:
        return None
    return f"{what} is {found}, the last good record expects {expected}"


def engine_before(record: Record, failed: FailedApply | None) -> frozenset[str]:
    """What the state held before the engine's own changes since the record."""
    if failed is not None:
        return failed.before
    if record.unfinished is not None:
        return frozenset(record.unfinished.before_addresses)
    return frozenset(record.addresses())


def guarded_changes(
    workspace: Workspace, planned: dict[str, str], types: dict[str, str], exempt: set[str]
) -> changeset.ChangeSet:
    return changeset.from_planned_changes(
        workspace.stack, planned, types, paths=workspace.construct_paths(workspace.rollback_directory), allowed=exempt
    )


def _status_line(workspace: Workspace, status: str, text: str) -> str:
    return f"{status} {workspace.stack}: {text}"


def _next_command(workspace: Workspace) -> str:
    return (
        f"next: find the cause in the log above, then `make rollback STACK={workspace.stack}` to roll back again "
        "(CloudFormation's 'Continue update rollback'), or fix forward with `make deploy`"
    )


def run(
    workspace: Workspace,
    context: Context,
    *,
    timeout_seconds: float,
    failed: FailedApply | None,
    allowed: Iterable[str] = (),
) -> Outcome:
    """Roll `workspace` back; prints the steps and the final status line. Whatever goes
    wrong inside ends in ROLLBACK_FAILED with the next command, never a traceback. A
    rollback that did not complete, on a workspace nothing outside the engine changed, is
    noted in the last good record (`note_unfinished`) for the next `make rollback`."""
    outcome = _run(workspace, context, timeout_seconds=timeout_seconds, failed=failed, allowed=allowed)
    if not outcome.complete and not outcome.changed_outside:
        directory = workspace.rollback_directory if failed is None else workspace.directory
        note_unfinished(workspace, context, failed, directory)
    return outcome


def _run(
    workspace: Workspace,
    context: Context,
    *,
    timeout_seconds: float,
    failed: FailedApply | None,
    allowed: Iterable[str],
) -> Outcome:
    progress = context.progress
    store = workspace.store()
    try:
        record = store.read()
    except Exception as error:  # the store's own errors (S3 access, a damaged file)
        return _finish(workspace, context, ROLLBACK_FAILED, [f"cannot read the last good configuration: {error}"])
    try:
        if record is not None:
            progress.line(
                _status_line(
                    workspace,
                    "ROLLBACK_IN_PROGRESS",
                    f"back to the last good configuration ({record.described}; {store.where})",
                )
            )
            return _to_last_good(
                workspace,
                context,
                store=store,
                record=record,
                timeout_seconds=timeout_seconds,
                failed=failed,
                allowed=allowed,
            )
        if failed is None:
            reason = store.reason if isinstance(store, NoStore) else f"none recorded at {store.where}"
            return _finish(
                workspace,
                context,
                ROLLBACK_FAILED,
                [f"no last good configuration to roll back to ({reason}); fix forward with `make deploy`"],
            )
        why = store.reason if isinstance(store, NoStore) else "no last good configuration yet: first deploy"
        progress.line(
            _status_line(workspace, "ROLLBACK_IN_PROGRESS", f"removing what the failed apply created ({why})")
        )
        not_reverted = store.reason if isinstance(store, NoStore) else "there is no last good configuration yet"
        return _remove_created(
            workspace, context, failed=failed, timeout_seconds=timeout_seconds, not_reverted=not_reverted
        )
    except StepError as error:
        return _finish(workspace, context, ROLLBACK_FAILED, [str(error)])
    except Exception as error:  # a state pull, a timeout, anything: still CloudFormation's outcome, never a traceback
        return _finish(
            workspace, context, ROLLBACK_FAILED, [f"the rollback stopped on an error: {type(error).__name__}: {error}"]
        )


def note_unfinished(workspace: Workspace, context: Context, failed: FailedApply | None, directory: Path) -> None:
    """Note in the last good record that the engine's own changes since it are not undone
    (a failed apply not rolled back, or a rollback that stopped): `make rollback` then knows
    the state's move since the record is the engine's. `directory` is initialized."""
    store = workspace.store()
    try:
        record = store.read()
        if record is None or record.state is None:
            return
        if record.unfinished is not None:
            before = record.unfinished
        elif failed is not None:
            before = Unfinished(before=failed.before_state, after=None, before_addresses=tuple(sorted(failed.before)))
        else:
            before = Unfinished(before=record.state, after=None, before_addresses=tuple(sorted(record.addresses())))
        after = StateVersion.of(terraform.state_pull(directory))
        store.write(record.left_unfinished(replace(before, after=after)))
    except Exception as error:  # the outcome stands; a later make rollback will say what it cannot tell
        context.progress.line(
            f"warning: {workspace.stack}: the unfinished apply was not noted at {store.where}: {error}"
        )


def _record_at_current_state(workspace: Workspace, context: Context, store: Store, record: Record) -> None:
    """After ROLLBACK_COMPLETE the state is the record's configuration again, at a new serial:
    the record describes that state from now on."""
    try:
        store.write(record.at(StateVersion.of(terraform.state_pull(workspace.rollback_directory))))
    except Exception as error:
        context.progress.line(
            f"warning: {workspace.stack}: rolled back, but the last good record was not brought to the new state "
            f"at {store.where}: {error}; the next failed deploy's rollback will stop as if the state had changed "
            f"outside the engine. Run `make deploy STACK={workspace.stack}` of the last good commit to record it"
        )


BETWEEN = "the workspace is left between the two configurations"
OUTSIDE_KEPT = "what was done outside the engine is kept; the last good configuration no longer describes the workspace"


def _finish(
    workspace: Workspace,
    context: Context,
    status: str,
    lines: list[str],
    next_command: str | None = None,
    *,
    left: str = BETWEEN,
) -> Outcome:
    progress = context.progress
    for line in lines:
        progress.line(line)
    if status == ROLLBACK_FAILED and context.interrupts.stop_now:
        progress.line(
            _status_line(
                workspace,
                ROLLBACK_STOPPED,
                "the operator interrupted twice: the rollback was stopped, the workspace is left as it is "
                f"(Terraform saved its state). Roll back later with `make rollback STACK={workspace.stack}`",
            )
        )
        return Outcome(ROLLBACK_STOPPED, tuple(lines))
    if status == ROLLBACK_COMPLETE:
        progress.line(_status_line(workspace, status, "the workspace is back to what it was before the failed apply"))
    else:
        progress.line(_status_line(workspace, status, left))
        progress.line(next_command or _next_command(workspace))
    return Outcome(status, tuple(lines))


def _prepare_directory(workspace: Workspace, record: Record) -> list[str]:
    """The rollback copy of the last good configuration, with the providers this checkout pins
    (tools/terraform/lock.py: after a provider upgrade, the newer one); the lines to show."""
    directory = workspace.rollback_directory
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.iterdir():
        # Keep the provider installation (.terraform): init is then quick. The lock file is
        # the committed one again at init (steps.init).
        if leftover.name not in (".terraform", provider_lock.LOCK_FILE_NAME):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    configuration, lines = provider_lock.with_locked_providers(record.configuration)
    write_configuration(directory, configuration)
    return lines


def _init_copy(workspace: Workspace, context: Context, record: Record) -> None:
    """init of the rollback copy; a failure names its cause (the log's tail) and the commit to roll back with."""
    try:
        init(workspace, context, workspace.rollback_directory, step="rollback init")
    except StepError as error:
        commit = record.commit or "<its commit>"
        raise StepError(
            f"{error}\nthe last good configuration ({record.described}) cannot init with this checkout's providers "
            f"({provider_lock.LOCK_FILE_NAME}, the mirror of tools/terraform/config.py). Roll back from a checkout "
            f"of its commit: `git checkout {commit}`, `make setup`, `make rollback STACK={workspace.stack}`; "
            "or fix forward with `make deploy`"
        ) from error


def _deadline(timeout_seconds: float) -> float:
    return time.monotonic() + timeout_seconds


def _to_last_good(
    workspace: Workspace,
    context: Context,
    *,
    store: Store,
    record: Record,
    timeout_seconds: float,
    failed: FailedApply | None,
    allowed: Iterable[str],
) -> Outcome:
    directory = workspace.rollback_directory
    for line in _prepare_directory(workspace, record):
        context.progress.line(line)
    _init_copy(workspace, context, record)
    state_document = terraform.state_pull(directory)
    state_now, version_now = state_addresses(state_document), StateVersion.of(state_document)
    refused = _refused(
        workspace, context, record=record, failed=failed, state_now=state_now, now=version_now, timeout=timeout_seconds
    )
    if refused is not None:
        return refused
    planned = plan(workspace, context, lock=True, directory=directory, step="rollback plan",
                   plan_file=directory / ROLLBACK_PLAN_FILE)  # fmt: skip
    if not planned.changes:
        outcome = _finish(workspace, context, ROLLBACK_COMPLETE, ["nothing to undo: the state already matches"])
        _record_at_current_state(workspace, context, store, record)
        return replace(outcome, configuration=record.configuration)
    exempt = exempt_from_guard(state_now, engine_before(record, failed), failed, allowed)
    changes = guarded_changes(workspace, planned.log.planned, planned.log.planned_types, exempt)
    if changes.blocked:
        blocked = " ".join(c.address for c in changes.blocked)
        return _finish(
            workspace,
            context,
            ROLLBACK_FAILED,
            [
                "the rollback plan removes or replaces stateful resources that existed before the failed apply "
                "(workspace/protection.py); nothing was rolled back:",
                *(f"  {c.action} {workspace.path_of(c.address)}" for c in changes.blocked),
                f'if that is intended: make rollback STACK={workspace.stack} ALLOW="{blocked}"',
            ],
        )
    if context.interrupts.stop_now:
        return _finish(workspace, context, ROLLBACK_FAILED, [])
    applied = apply(
        workspace,
        context,
        planned.plan_file,
        deadline=_deadline(timeout_seconds),
        directory=directory,
        step="rollback apply",
    )
    if applied.ok:
        outcome = _finish(workspace, context, ROLLBACK_COMPLETE, [])
        _record_at_current_state(workspace, context, store, record)
        return replace(outcome, configuration=record.configuration)
    left = sorted(a for a in planned.log.planned if a not in applied.log.completed)
    lines = failure_lines(workspace, applied.log.failed_resources(), directory)
    if applied.cancelled:
        lines.insert(0, f"the rollback was interrupted ({applied.cancelled})")
    lines.append(f"left: {len(left)} change(s) of the rollback not made:")
    lines += [f"  {planned.log.planned[a]} {workspace.path_of(a)}" for a in left]
    return _finish(workspace, context, ROLLBACK_FAILED, lines)


def _refused(
    workspace: Workspace,
    context: Context,
    *,
    record: Record,
    failed: FailedApply | None,
    state_now: dict[str, bool],
    now: StateVersion | None,
    timeout: float,
) -> Outcome | None:
    """The outcome when the state is not what the record and the engine's own apply made it."""
    if failed is not None and failed.after_state is not None and now != failed.after_state:
        # Another deploy landed between the failed apply and this rollback: reverting it would
        # undo a change the engine never saw.
        return _finish(
            workspace,
            context,
            ROLLBACK_FAILED,
            [
                f"another operation changed the state after the failed apply ({failed.after_state} -> {now}); "
                "nothing was rolled back, so as not to revert it"
            ],
            next_command=_fix_forward(workspace, record),
            left="nothing was rolled back",
        )
    why = out_of_band(record, failed, now)
    if why is None:
        return None
    return _changed_outside(
        workspace, context, record=record, failed=failed, why=why, state_now=state_now, timeout_seconds=timeout
    )


def _changed_outside(
    workspace: Workspace,
    context: Context,
    *,
    record: Record,
    failed: FailedApply | None,
    why: str,
    state_now: dict[str, bool],
    timeout_seconds: float,
) -> Outcome:
    """The state moved without the engine since the last good record (`cdktf deploy`, a
    Terraform Cloud run, a plain `terraform apply`): the record no longer says what the
    workspace is, so applying it would destroy or revert what was done outside. Remove only
    what the engine's own failed apply created, name the rest, and stop in ROLLBACK_FAILED."""
    recorded = record.addresses()
    before = failed.before if failed is not None else frozenset(state_now)
    added = sorted(a for a in before if base_address(a) not in recorded)
    removed = sorted(a for a in recorded if not any(base_address(b) == a for b in before))
    lines = [
        f"the workspace changed outside the engine since its last good configuration ({record.described}): {why}",
        "changes outside the engine (kept: a rollback to the recorded configuration would revert them):",
        *(f"  added {workspace.path_of(a)}" for a in added),
        *(f"  removed {workspace.path_of(a)}" for a in removed),
    ]
    if not added and not removed:
        lines.append("  (the same resources, changed in place)")
    next_command = _fix_forward(workspace, record)
    if failed is None:
        outcome = _finish(
            workspace, context, ROLLBACK_FAILED, [*lines, "nothing was rolled back"], next_command, left=OUTSIDE_KEPT
        )
        return replace(outcome, changed_outside=True)
    context.progress.line(
        _status_line(workspace, "ROLLBACK_IN_PROGRESS", "removing only what the failed apply created")
    )
    outcome = _remove_created(
        workspace,
        context,
        failed=failed,
        timeout_seconds=timeout_seconds,
        not_reverted="the last good configuration does not describe this workspace",
        finish=False,
    )
    status = ROLLBACK_FAILED if outcome.status == ROLLBACK_COMPLETE else outcome.status
    finished = _finish(workspace, context, status, [*outcome.lines, *lines], next_command, left=OUTSIDE_KEPT)
    return replace(finished, changed_outside=True)


def _fix_forward(workspace: Workspace, record: Record) -> str:
    return (
        f"next: deploy a configuration that includes what was applied outside the engine "
        f"(`make deploy STACK={workspace.stack}`; a plan without changes records it as the last good one), or, "
        f"to go back to the last good configuration anyway, check out its commit {record.commit or '(unknown)'} "
        f"and `make deploy STACK={workspace.stack}`, reviewing its change set"
    )


def _remove_created(
    workspace: Workspace,
    context: Context,
    *,
    failed: FailedApply,
    timeout_seconds: float,
    not_reverted: str,
    finish: bool = True,
) -> Outcome:
    """Destroy exactly what the failed apply added (`-target` each, `-refresh=false`), after a
    plan that proves nothing older is touched; name what it changed of the older resources.
    With `finish=False` the outcome is returned without its status line (the caller says it)."""
    done = _finish if finish else _unsaid
    state_now = state_addresses(terraform.state_pull(workspace.directory))
    created = sorted(a for a in state_now if a not in failed.before)
    lines: list[str] = []
    if created:
        planned = plan(
            workspace,
            context,
            lock=True,
            plan_file=workspace.rollback_plan_file,
            extra=("-destroy", "-refresh=false", *(f"-target={a}" for a in created)),
            step="rollback plan",
        )
        beyond = sorted(a for a, action in planned.log.planned.items() if a not in created and action != "no-op")
        if beyond:
            return done(
                workspace,
                context,
                ROLLBACK_FAILED,
                [
                    "removing what the failed apply created would also change resources that existed before "
                    "(they depend on it); nothing was rolled back:",
                    *(f"  {planned.log.planned[a]} {workspace.path_of(a)}" for a in beyond),
                ],
            )
        if context.interrupts.stop_now:
            return done(workspace, context, ROLLBACK_FAILED, [])
        applied = apply(
            workspace, context, planned.plan_file, deadline=_deadline(timeout_seconds), step="rollback apply"
        )
        if not applied.ok:
            left = sorted(a for a in created if a not in applied.log.completed)
            lines = failure_lines(workspace, applied.log.failed_resources())
            lines.append(f"left: {len(left)} resource(s) the failed apply created:")
            lines += [f"  {workspace.path_of(a)}" for a in left]
            return done(workspace, context, ROLLBACK_FAILED, lines)
        lines.append(f"removed the {len(created)} resource(s) the failed apply created")
    if failed.touched:
        lines.append(f"not reverted ({not_reverted}): resources that existed before and the failed apply changed:")
        lines += [f"  {workspace.path_of(a)}" for a in sorted(failed.touched)]
        return done(workspace, context, ROLLBACK_FAILED, lines)
    return done(workspace, context, ROLLBACK_COMPLETE, lines)


def _unsaid(workspace: Workspace, context: Context, status: str, lines: list[str]) -> Outcome:
    return Outcome(status, tuple(lines))
