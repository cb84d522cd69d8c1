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
from dataclasses import dataclass, field

from tools import changeset
from tools.deploy.last_good import NoStore, Record, Store
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


@dataclass(frozen=True)
class Outcome:
    status: str
    lines: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.status == ROLLBACK_COMPLETE


def exempt_from_guard(
    state_now: dict[str, bool],
    last_good_addresses: set[str],
    failed: FailedApply | None,
    allowed: Iterable[str] = (),
) -> set[str]:
    """Addresses a rollback may remove or replace although their type is stateful: what the
    failed apply created. Right after a successful apply the state holds exactly the addresses
    of its configuration, so whatever is in state but not in the last good configuration was
    created since by a failed (or not rolled back) apply; a tainted instance is a create that
    failed half-way."""
    created = {a for a in state_now if base_address(a) not in last_good_addresses}
    tainted = {a for a, is_tainted in state_now.items() if is_tainted}
    return created | tainted | set(failed.created if failed else ()) | set(allowed)


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
    """Roll `workspace` back; prints the steps and the final status line."""
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
                workspace, context, record=record, timeout_seconds=timeout_seconds, failed=failed, allowed=allowed
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
        return _remove_created(workspace, context, store=store, failed=failed, timeout_seconds=timeout_seconds)
    except StepError as error:
        return _finish(workspace, context, ROLLBACK_FAILED, [str(error)])
    except Exception as error:  # a state pull, a timeout, anything: still CloudFormation's outcome, never a traceback
        return _finish(
            workspace, context, ROLLBACK_FAILED, [f"the rollback stopped on an error: {type(error).__name__}: {error}"]
        )


def _finish(workspace: Workspace, context: Context, status: str, lines: list[str]) -> Outcome:
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
        progress.line(_status_line(workspace, status, "the workspace is left between the two configurations"))
        progress.line(_next_command(workspace))
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
    record: Record,
    timeout_seconds: float,
    failed: FailedApply | None,
    allowed: Iterable[str],
) -> Outcome:
    directory = workspace.rollback_directory
    for line in _prepare_directory(workspace, record):
        context.progress.line(line)
    _init_copy(workspace, context, record)
    state_now = state_addresses(terraform.state_pull(directory))
    planned = plan(workspace, context, lock=True, directory=directory, step="rollback plan",
                   plan_file=directory / ROLLBACK_PLAN_FILE)  # fmt: skip
    if not planned.changes:
        return _finish(workspace, context, ROLLBACK_COMPLETE, ["nothing to undo: the state already matches"])
    exempt = exempt_from_guard(state_now, record.addresses(), failed, allowed)
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
        return _finish(workspace, context, ROLLBACK_COMPLETE, [])
    left = sorted(a for a in planned.log.planned if a not in applied.log.completed)
    lines = failure_lines(workspace, applied.log.failed_resources(), directory)
    if applied.cancelled:
        lines.insert(0, f"the rollback was interrupted ({applied.cancelled})")
    lines.append(f"left: {len(left)} change(s) of the rollback not made:")
    lines += [f"  {planned.log.planned[a]} {workspace.path_of(a)}" for a in left]
    return _finish(workspace, context, ROLLBACK_FAILED, lines)


def _remove_created(
    workspace: Workspace, context: Context, *, store: Store, failed: FailedApply, timeout_seconds: float
) -> Outcome:
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
            return _finish(
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
            return _finish(workspace, context, ROLLBACK_FAILED, [])
        applied = apply(
            workspace, context, planned.plan_file, deadline=_deadline(timeout_seconds), step="rollback apply"
        )
        if not applied.ok:
            left = sorted(a for a in created if a not in applied.log.completed)
            lines = failure_lines(workspace, applied.log.failed_resources())
            lines.append(f"left: {len(left)} resource(s) the failed apply created:")
            lines += [f"  {workspace.path_of(a)}" for a in left]
            return _finish(workspace, context, ROLLBACK_FAILED, lines)
        lines.append(f"removed the {len(created)} resource(s) the failed apply created")
    if failed.touched:
        reason = store.reason if isinstance(store, NoStore) else "there is no last good configuration yet"
        lines.append(f"not reverted ({reason}): resources that existed before and the failed apply changed:")
        lines += [f"  {workspace.path_of(a)}" for a in sorted(failed.touched)]
        return _finish(workspace, context, ROLLBACK_FAILED, lines)
    return _finish(workspace, context, ROLLBACK_COMPLETE, lines)
