"""The Terraform steps of the deploy engine, one workspace at a time: init, plan, apply,
destroy, each with a progress line, its full output in a log file, and its JSON UI parsed.

`Workspace` is one synthesized stack directory with its environment config and layer;
`Context` is what one engine command shares between workspaces (progress, interrupts).
The engine's decisions (guard, rollback, exit codes) are in tools/deploy/engine.py and
tools/deploy/rollback.py; this module only runs and reads Terraform.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.schema import TERRAFORM_DEFAULT_PARALLELISM, EnvironmentConfig
from tools.deploy.progress import SLOW_RESOURCE_SECONDS, Progress, shown
from tools.deploy.workspace import Workspace, read_configuration
from tools.terraform import cli as terraform
from tools.terraform import lock as provider_lock
from tools.terraform import process as terraform_process
from tools.terraform.json_ui import ApplyLog, ResourceFailure, summary_text
from tools.terraform.process import Hooks, Interrupts

# A deploy or apply takes the state lock and does not wait for it; a review never takes it.
LOCK_FAIL_FAST = "-lock-timeout=0s"
# The configuration of the root module inside a saved plan (a zip archive).
PLAN_CONFIGURATION = "tfconfig/m-/cdk.tf.json"
PLAN_PRIOR_STATE = "tfstate"
VERBS = {"create": "created", "update": "modified", "delete": "destroyed", "replace": "replaced"}
# The AWS SDK's error for a call whose context Terraform cancelled (an interrupt).
CANCELLED_CALL = "context canceled"
CANCELLED_NOUNS = {"create": "creation", "update": "update", "delete": "deletion", "replace": "update"}


class StepError(Exception):
    """A Terraform step failed before changing anything; the message says what and where the log is."""

    def __init__(self, message: str, log: ApplyLog | None = None) -> None:
        super().__init__(message)
        self.log = log


class LockHeldError(StepError):
    """Another operation holds the state lock."""


class StalePlanError(StepError):
    """The state changed since the saved plan was made."""


@dataclass
class Context:
    progress: Progress = field(default_factory=Progress)
    interrupts: Interrupts = field(default_factory=Interrupts)


@dataclass(frozen=True)
class Planned:
    plan_file: Path
    changes: bool
    log: ApplyLog


@dataclass(frozen=True)
class Applied:
    log: ApplyLog
    returncode: int
    seconds: float
    cancelled: str | None  # terraform_process.OPERATOR / TIMEOUT

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def parallelism(config: EnvironmentConfig) -> tuple[str, ...]:
    """`-parallelism=N` when the environment's `[deploy] parallelism` is not Terraform's default
    (the cloud backend accepts only the default, so it never gets the flag)."""
    value = config.deploy.parallelism
    return () if value == TERRAFORM_DEFAULT_PARALLELISM else (f"-parallelism={value}",)


def _errors_text(log: ApplyLog) -> str:
    texts = dict.fromkeys(d.text for d in log.errors)  # each once, in order
    return "\n".join(f"  {text}" for text in texts) or "  (no error message: see the log)"


def init(workspace: Workspace, context: Context, directory: Path | None = None, step: str = "init") -> None:
    """`terraform init` with the committed provider checksums (tools/terraform/lock.py), read-only:
    a provider package whose checksum differs fails here, before it runs."""
    directory = directory or workspace.directory
    log_file = context.progress.log_path(workspace.stack, step)
    provider_lock.install(directory)
    with context.progress.running(workspace.stack, step), terraform.plugin_cache_lock():
        completed = terraform_process.run(
            directory,
            ["init", "-no-color", "-input=false", provider_lock.READ_ONLY],
            log=log_file,
            interrupts=context.interrupts,
            hooks=Hooks(on_notice=context.progress.line),
        )
    if completed.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        raise StepError(f"{workspace.stack}: terraform init failed (log {shown(log_file)}):\n{tail}")
    context.progress.step(workspace.stack, step, "ok", completed.seconds)


def plan(
    workspace: Workspace,
    context: Context,
    *,
    lock: bool,
    plan_file: Path | None = None,
    directory: Path | None = None,
    extra: tuple[str, ...] = (),
    step: str = "plan",
) -> Planned:
    """`terraform plan -json -out=…`; `lock=False` for reviews (never takes the state lock).
    Without `plan_file`, a scratch plan file of this command's own (`Workspace.scratch_plan_file`),
    which the caller discards."""
    directory = directory or workspace.directory
    plan_file = (plan_file or workspace.scratch_plan_file(directory)).resolve()
    log_file = context.progress.log_path(workspace.stack, step)
    log = ApplyLog()
    locking = "-lock=false" if not lock else LOCK_FAIL_FAST
    with context.progress.running(workspace.stack, step):
        completed = terraform_process.run(
            directory,
            [
                "plan",
                "-json",
                "-input=false",
                "-detailed-exitcode",
                f"-out={plan_file}",
                locking,
                *parallelism(workspace.config),
                *extra,
            ],
            log=log_file,
            interrupts=context.interrupts,
            hooks=Hooks(on_line=log.feed, on_notice=context.progress.line),
        )
    if completed.returncode not in (terraform.NO_CHANGES, terraform.CHANGES):
        if completed.cancelled:
            raise StepError(f"{workspace.stack}: {step} stopped by the operator (log {shown(log_file)})", log)
        if log.lock_held:
            raise LockHeldError(lock_message(workspace, log), log)
        raise StepError(f"{workspace.stack}: {step} failed (log {shown(log_file)}):\n{_errors_text(log)}", log)
    changes = completed.returncode == terraform.CHANGES
    detail = summary_text(log.plan_summary, planned=True) if changes else "no changes"
    if changes and not log.planned:
        detail += " (outputs only)"
    context.progress.step(workspace.stack, step, detail, completed.seconds)
    return Planned(plan_file, changes, log)


def lock_message(workspace: Workspace, log: ApplyLog) -> str:
    info = log.lock_info()
    holder = ", ".join(f"{k} {info[k]}" for k in ("ID", "Who", "Operation", "Created") if info.get(k))
    return (
        f"{workspace.stack}: the state is locked by another operation ({holder or 'holder unknown'}); nothing was "
        "changed. Wait for it to finish and run again; if its holder is dead (killed, runner lost), see "
        "'Unlock' in docs/operations/failure-and-rollback.md"
    )


def apply(
    workspace: Workspace,
    context: Context,
    plan_file: Path,
    *,
    deadline: float | None,
    directory: Path | None = None,
    step: str = "apply",
    on_cancel: Callable[[str, ApplyLog], None] | None = None,
) -> Applied:
    """Apply a saved plan with `-json`; a line for each resource that fails or is slow."""
    directory = directory or workspace.directory
    log_file = context.progress.log_path(workspace.stack, step)
    log = ApplyLog()
    paths = workspace.construct_paths(directory)

    def on_line(line: str) -> None:
        message = log.feed(line, time.monotonic())
        if message is None or message["type"] != "apply_complete":
            return
        hook = message.get("hook") or {}
        seconds = float(hook.get("elapsed_seconds") or 0)
        if seconds > SLOW_RESOURCE_SECONDS:
            address = (hook.get("resource") or {}).get("addr", "")
            verb = VERBS.get(hook.get("action", ""), "done")
            context.progress.resource(workspace.stack, f"{workspace.path_of(address, paths)} {verb} in {seconds:.0f} s")

    with context.progress.running(workspace.stack, step) as activity:

        def on_tick() -> None:
            activity.detail = f"{len(log.completed)}/{len(log.planned) or '?'}"

        completed = terraform_process.run(
            directory,
            [
                "apply",
                "-json",
                "-input=false",
                "-auto-approve",
                LOCK_FAIL_FAST,
                *parallelism(workspace.config),
                str(plan_file.resolve()),
            ],
            log=log_file,
            interrupts=context.interrupts,
            deadline=deadline,
            hooks=Hooks(
                on_line=on_line,
                on_cancel=(lambda reason: on_cancel(reason, log)) if on_cancel is not None else None,
                on_tick=on_tick,
                on_notice=context.progress.line,
            ),
        )
    applied = Applied(log, completed.returncode, completed.seconds, completed.cancelled)
    if applied.ok:
        context.progress.step(workspace.stack, step, summary_text(log.counts(), planned=False), completed.seconds)
    elif log.stale_plan:
        raise StalePlanError(
            f"{workspace.stack}: the state changed since this plan was made: plan again "
            f"(make plan STACK={workspace.stack}); nothing was applied",
            log,
        )
    elif log.lock_held:
        raise LockHeldError(lock_message(workspace, log), log)
    else:
        what = "CANCELLED" if applied.cancelled else "FAILED"
        context.progress.step(
            workspace.stack,
            step,
            f"{what}: {summary_text(log.counts(), planned=False)} before it stopped (log {shown(log_file)})",
            completed.seconds,
        )
    return applied


def failure_lines(workspace: Workspace, failures: list[ResourceFailure], directory: Path | None = None) -> list[str]:
    """CloudFormation-style events, first failure first: `UPDATE_FAILED address (path): error`."""
    paths = workspace.construct_paths(directory)
    return [f"{f.status} {workspace.path_of(f.address, paths)}: {_reason(f)}" for f in failures]


def _reason(failure: ResourceFailure) -> str:
    if failure.error is None:
        return "failed (see the log)"
    if CANCELLED_CALL in failure.error.summary:
        # The call in flight when Terraform was interrupted; CloudFormation's words for it.
        return f"Resource {CANCELLED_NOUNS.get(failure.action, 'update')} cancelled"
    return failure.error.api_error


def destroy(workspace: Workspace, context: Context, *, step: str = "destroy") -> Applied:
    """`terraform apply -destroy -auto-approve -json` of the whole workspace (destroy-local)."""
    log_file = context.progress.log_path(workspace.stack, step)
    log = ApplyLog()

    def on_line(line: str) -> None:
        log.feed(line, time.monotonic())

    with context.progress.running(workspace.stack, step) as activity:

        def on_tick() -> None:
            activity.detail = f"{len(log.completed)}/{len(log.planned) or '?'}"

        completed = terraform_process.run(
            workspace.directory,
            [
                "apply",
                "-destroy",
                "-json",
                "-input=false",
                "-auto-approve",
                LOCK_FAIL_FAST,
                *parallelism(workspace.config),
            ],
            log=log_file,
            interrupts=context.interrupts,
            hooks=Hooks(on_line=on_line, on_tick=on_tick, on_notice=context.progress.line),
        )
    result = Applied(log, completed.returncode, completed.seconds, completed.cancelled)
    detail = summary_text(log.counts(), planned=False) if result.ok else f"FAILED (log {shown(log_file)})"
    context.progress.step(workspace.stack, step, detail, completed.seconds)
    return result


# ------------------------------------------------------------------ reading plans and state


def is_saved_cloud_plan(plan_file: Path) -> bool:
    """A saved plan of the `cloud` backend is not an archive but a bookmark of the remote run
    (`{"remote_plan_format": 1, "run_id": …, "hostname": …}`): the run holds the plan."""
    if zipfile.is_zipfile(plan_file):
        return False
    try:
        return "remote_plan_format" in json.loads(plan_file.read_text())
    except (OSError, ValueError, TypeError):
        return False


def plan_contents(plan_file: Path, directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the configuration, the prior state) a saved plan was made from: what it applies, and
    what was there before (Terraform refuses the plan if the state has moved since).

    A saved cloud plan carries neither: its run was planned from the configuration synthesized
    in `directory` (uploaded as the run's configuration version), and the prior state is the
    workspace's current state (Terraform Cloud refuses the run if it has moved since)."""
    if is_saved_cloud_plan(plan_file):
        configuration = read_configuration(directory)
        return configuration, terraform.state_pull(directory)
    with zipfile.ZipFile(plan_file) as archive:
        configuration = json.loads(archive.read(PLAN_CONFIGURATION))
        names = set(archive.namelist())
        prior = json.loads(archive.read(PLAN_PRIOR_STATE)) if PLAN_PRIOR_STATE in names else {}
    return configuration, prior


def state_addresses(state: dict[str, Any]) -> dict[str, bool]:
    """Managed resource instance addresses of a raw state document -> whether tainted."""
    found: dict[str, bool] = {}
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed" or resource.get("module"):
            continue
        base = f"{resource['type']}.{resource['name']}"
        for instance in resource.get("instances", []):
            key = instance.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            found[address] = instance.get("status") == "tainted"
    return found


def base_address(address: str) -> str:
    return address.split("[", 1)[0]
