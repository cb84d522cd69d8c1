"""Terraform's machine-readable UI (`plan -json`, `apply -json`), read line by line.

Each line is one JSON message (UI version 1.2): `version`, `log`, `diagnostic`,
`planned_change`, `change_summary`, `outputs`, and the resource hooks `apply_start`,
`apply_progress`, `apply_complete`, `apply_errored` (plus refresh ones, ignored here).
A failed resource shows twice: its `apply_errored` hook as soon as it fails (address,
action, seconds), and an error `diagnostic` carrying the address and the API's message
when the apply ends. `ApplyLog` keeps what the deploy engine needs: the order in which
resources failed (the first is CloudFormation's first `*_FAILED` event), what was done,
what was still running, the diagnostics, and the counts. Pure: no Terraform is run here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# CloudFormation's event status for a resource whose operation failed, by Terraform action.
FAILED_STATUS = {
    "create": "CREATE_FAILED",
    "update": "UPDATE_FAILED",
    "replace": "UPDATE_FAILED",
    "delete": "DELETE_FAILED",
}
STALE_PLAN = "Saved plan is stale"
LOCK_HELD = "Error acquiring the state lock"
INTERRUPTED = "Interrupt received"
# Errors about the run, not about one resource.
GENERIC_ERRORS = frozenset({"execution halted", "operation canceled", STALE_PLAN, LOCK_HELD})
# `... api error ValidationException: message` in the AWS provider's error summaries.
_API_ERROR = re.compile(r"api error (\S+?): (.*)$", re.DOTALL)
_LOCK_FIELDS = re.compile(r"^\s*(ID|Path|Operation|Who|Created):\s*(.*)$", re.MULTILINE)


def parse_line(line: str) -> dict[str, Any] | None:
    """One UI message, or None for a line that is not one (Terraform's own warnings on stderr)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "type" in message else None


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str = ""
    address: str | None = None

    @property
    def api_error(self) -> str:
        """`Code: message` of the AWS API error inside the summary, or the summary itself."""
        found = _API_ERROR.search(self.summary)
        return f"{found.group(1)}: {found.group(2).strip()}" if found else self.summary

    @property
    def text(self) -> str:
        return self.summary + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class ResourceFailure:
    address: str
    resource_type: str
    action: str
    elapsed_seconds: float
    error: Diagnostic | None = None

    @property
    def status(self) -> str:
        return FAILED_STATUS.get(self.action, "UPDATE_FAILED")


def _base(address: str) -> str:
    return address.split("[", 1)[0]


@dataclass
class ApplyLog:
    """What one `terraform apply -json` (or `plan -json`) has said so far; fed line by line."""

    planned: dict[str, str] = field(default_factory=dict)  # address -> planned action
    planned_types: dict[str, str] = field(default_factory=dict)  # address -> resource type
    running: dict[str, tuple[str, float]] = field(default_factory=dict)  # address -> (action, started at)
    completed: dict[str, tuple[str, float]] = field(default_factory=dict)  # address -> (action, seconds)
    failures: list[ResourceFailure] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan_summary: dict[str, int] | None = None
    apply_summary: dict[str, int] | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    started_any: bool = False

    def feed(self, line: str, now: float = 0.0) -> dict[str, Any] | None:
        """Take one line; returns the message it held (None for other lines)."""
        message = parse_line(line)
        if message is None:
            return None
        kind = message["type"]
        hook = message.get("hook") or {}
        resource = (hook.get("resource") or {}) if hook else {}
        address = str(resource.get("addr", ""))
        hook_action = str(hook.get("action") or "")
        if kind == "planned_change":
            change = message.get("change") or {}
            planned = change.get("resource") or {}
            self.planned[planned.get("addr", "")] = change.get("action", "")
            self.planned_types[planned.get("addr", "")] = planned.get("resource_type", "")
        elif kind == "change_summary":
            changes = message.get("changes") or {}
            counts = {k: int(v) for k, v in changes.items() if isinstance(v, int)}
            if changes.get("operation") == "apply" or changes.get("operation") == "destroy":
                self.apply_summary = counts
            else:
                self.plan_summary = counts
        elif kind == "apply_start":
            self.started_any = True
            self.running[address] = (hook_action, now)
        elif kind == "apply_complete":
            action, _ = self.running.pop(address, (hook_action, now))
            self.completed[address] = (hook_action or action, float(hook.get("elapsed_seconds") or 0))
        elif kind == "apply_errored":
            action, _ = self.running.pop(address, (hook_action, now))
            self.failures.append(
                ResourceFailure(
                    address=address,
                    resource_type=str(resource.get("resource_type", "")),
                    action=hook_action or action,
                    elapsed_seconds=float(hook.get("elapsed_seconds") or 0),
                )
            )
        elif kind == "diagnostic":
            body = message.get("diagnostic") or {}
            self.diagnostics.append(
                Diagnostic(
                    severity=body.get("severity", ""),
                    summary=body.get("summary", ""),
                    detail=body.get("detail", "") or "",
                    address=body.get("address"),
                )
            )
        elif kind == "log" and INTERRUPTED in message.get("@message", ""):
            self.interrupted = True
        elif kind == "outputs":
            self.outputs = message.get("outputs") or {}
        return message

    # ------------------------------------------------------------------ reading it back

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def failed_resources(self) -> list[ResourceFailure]:
        """The failed resources in the order they failed, each with its error diagnostic.

        Terraform gives a diagnostic no address when the resource has no configuration any
        more (a delete of a removed resource): such errors go to the failures left without
        one, in order."""
        by_address = {d.address: d for d in self.errors if d.address}
        unaddressed = [d for d in self.errors if not d.address and d.summary not in GENERIC_ERRORS]
        found = []
        for f in self.failures:
            error = by_address.get(f.address) or (unaddressed.pop(0) if unaddressed else None)
            found.append(ResourceFailure(f.address, f.resource_type, f.action, f.elapsed_seconds, error))
        # An error diagnostic with an address but no errored hook (rare) still names a failure.
        seen = {f.address for f in found}
        for diagnostic in self.errors:
            if diagnostic.address and diagnostic.address not in seen:
                found.append(
                    ResourceFailure(
                        diagnostic.address,
                        self.planned_types.get(diagnostic.address, _base(diagnostic.address).split(".")[0]),
                        self.planned.get(diagnostic.address, "update"),
                        0.0,
                        diagnostic,
                    )
                )
                seen.add(diagnostic.address)
        return found

    def first_failure(self) -> ResourceFailure | None:
        failed = self.failed_resources()
        return failed[0] if failed else None

    def has_error(self, text: str) -> bool:
        return any(text in d.summary for d in self.errors)

    @property
    def stale_plan(self) -> bool:
        return self.has_error(STALE_PLAN)

    @property
    def lock_held(self) -> bool:
        return self.has_error(LOCK_HELD)

    def lock_info(self) -> dict[str, str]:
        """ID, Path, Operation, Who, Created of the lock holder, from the lock error's detail."""
        for diagnostic in self.errors:
            if LOCK_HELD in diagnostic.summary:
                return dict(_LOCK_FIELDS.findall(diagnostic.detail))
        return {}

    def created_addresses(self) -> set[str]:
        """Addresses whose create started (and so may exist) in this apply, finished or not."""
        started = {a for a, (action, _) in self.completed.items() if action == "create"}
        started |= {f.address for f in self.failures if f.action == "create"}
        started |= {a for a, (action, _) in self.running.items() if action == "create"}
        return started

    def counts(self) -> dict[str, int]:
        """Resources added, changed and destroyed so far (the apply's own summary when it finished)."""
        if self.apply_summary is not None:
            return {k: self.apply_summary.get(k, 0) for k in ("add", "change", "remove")}
        actions = [action for action, _ in self.completed.values()]
        return {
            "add": actions.count("create"),
            "change": actions.count("update"),
            "remove": actions.count("delete"),
        }


def summary_text(counts: dict[str, int] | None, *, planned: bool) -> str:
    """`2 to add, 1 to change, 0 to destroy` / `2 added, 1 changed, 0 destroyed`."""
    counts = counts or {}
    add, change, remove = (counts.get(k, 0) for k in ("add", "change", "remove"))
    if planned:
        return f"{add} to add, {change} to change, {remove} to destroy"
    return f"{add} added, {change} changed, {remove} destroyed"
