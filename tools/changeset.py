"""Change sets from Terraform plans, and the guard for stateful resources.

    ./dailydesk changeset backend-prod                      # make changeset STACK=backend-prod
    ./dailydesk changeset parent-dev backend-dev --json changes.json
    ./dailydesk changeset backend-prod --allow aws_ecr_repository.registry_repository_1A2B3C4D

The plans come from the deploy engine's review path (tools/deploy/engine.py, the same as
`make plan`/`make diff`: never the state lock, since a read-only role cannot write it and a
review must not collide with a deploy). This module reads `terraform show -json` of a plan
and says what CloudFormation would have called a change set: one row per resource with its
action (Add / Modify / Remove / Replace; Move and Import for a resource that only changes
address or comes into state, which still needs an apply), the construct path (the logical ID), the type, the
physical ID where known, and the attributes that change and those that force the
replacement. Values are never printed (the plan holds secrets); only attribute names.

The guard: a plan that removes or replaces a resource whose type is in
`workspace.protection.STATEFUL_RESOURCE_TYPES` is blocked unless the operator names
that resource's address with --allow. The deploy engine (tools/deploy/engine.py) guards every plan
it applies, rollback plans included, with the same rule.

Notes: a service that moves to its task definition's revision although that task
definition does not change is running another revision than the family's latest (e.g. the
deployment circuit breaker rolled a failed pipeline deployment back); the change set says
so, because applying it deploys the latest revision's image again.

Exit codes (tools/deploy/exit_codes.py): 0 no changes, 2 changes, 3 blocked by the guard, 1 error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from tools.deploy import exit_codes
from tools.table import table
from workspace.protection import STATEFUL_RESOURCE_TYPES

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED = (
    exit_codes.OK,
    exit_codes.ERROR,
    exit_codes.CHANGES,
    exit_codes.BLOCKED,
)
ADD, MODIFY, REMOVE, REPLACE, FORGET = "Add", "Modify", "Remove", "Replace", "Forget"
# A resource that only moves to another address (a `moved` block) or only comes into state (an
# `import` block): nothing changes in AWS, but the state does, so the plan must be applied.
MOVE, IMPORT = "Move", "Import"
GUARDED_ACTIONS = frozenset({REMOVE, REPLACE})
# Terraform's action lists (plan JSON `change.actions`) in CloudFormation's words. `no-op`
# and `read` (data sources) are not changes, except a `no-op` that moves or imports (MOVE, IMPORT).
ACTION_NAMES: dict[tuple[str, ...], str] = {
    ("create",): ADD,
    ("update",): MODIFY,
    ("delete",): REMOVE,
    ("delete", "create"): REPLACE,
    ("create", "delete"): REPLACE,
    ("forget",): FORGET,
}
# The same actions in Terraform's machine-readable UI (`plan -json` `planned_change` messages).
UI_ACTION_NAMES: dict[str, str] = {
    "create": ADD,
    "update": MODIFY,
    "delete": REMOVE,
    "replace": REPLACE,
    "remove": FORGET,
    "move": MOVE,
    "import": IMPORT,
}
ACTION_ORDER = (REMOVE, REPLACE, MODIFY, ADD, FORGET, MOVE, IMPORT)


def is_guarded(action: str, resource_type: str) -> bool:
    """The guard's rule: removing or replacing a stateful resource needs the operator's word."""
    return action in GUARDED_ACTIONS and resource_type in STATEFUL_RESOURCE_TYPES


@dataclass(frozen=True)
class ResourceChange:
    action: str
    address: str
    logical_id: str  # the construct path, e.g. parent-local/parameters/admin_email
    type: str
    physical_id: str | None
    changed: tuple[str, ...] = ()
    forces_replacement: tuple[str, ...] = ()
    reason: str | None = None
    guarded: bool = False


@dataclass(frozen=True)
class ChangeSet:
    stack: str
    changes: tuple[ResourceChange, ...]
    allowed: tuple[str, ...] = ()
    output_changes: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = ()

    @property
    def blocked(self) -> tuple[ResourceChange, ...]:
        """Guarded removals and replacements the operator has not named."""
        return tuple(c for c in self.changes if c.guarded and c.address not in self.allowed)

    @property
    def exit_code(self) -> int:
        if self.blocked:
            return EXIT_BLOCKED
        return EXIT_CHANGES if self.changes or self.output_changes else EXIT_NO_CHANGES

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for c in self.changes if c.action == action) for action in ACTION_ORDER}

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "status": {EXIT_NO_CHANGES: "no-changes", EXIT_CHANGES: "changes", EXIT_BLOCKED: "blocked"}[self.exit_code],
            "counts": self.counts(),
            "changes": [asdict(c) | {"blocked": c in self.blocked} for c in self.changes],
            "output_changes": list(self.output_changes),
            "allowed": list(self.allowed),
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------ reading a plan


def configured_attributes(plan: dict[str, Any]) -> dict[str, frozenset[str]]:
    """`type.name` -> the attributes the configuration sets (root module; cdktf has no modules)."""
    resources = plan.get("configuration", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: frozenset(r.get("expressions", {})) for r in resources if r.get("mode") == "managed"}


def configured_references(plan: dict[str, Any], attribute: str) -> dict[str, frozenset[str]]:
    """`type.name` -> the resources (`type.name`) the configuration of `attribute` refers to."""
    resources = plan.get("configuration", {}).get("root_module", {}).get("resources", [])
    return {
        r["address"]: frozenset(
            ref for ref in r.get("expressions", {}).get(attribute, {}).get("references", []) if ref.count(".") == 1
        )
        for r in resources
        if r.get("mode") == "managed"
    }


def _changed_attributes(
    before: dict[str, Any], after: dict[str, Any], after_unknown: dict[str, Any], configured: frozenset[str]
) -> tuple[str, ...]:
    # A known value that differs is a change. An unknown one ("known after apply") is a
    # change only where the configuration sets it: computed attributes (id, arn, version)
    # are unknown on every update and would drown the real change.
    keys = set(before) | set(after) | set(after_unknown)
    return tuple(
        sorted(
            k
            for k in keys
            if (after_unknown.get(k) is True and k in configured)
            or (after_unknown.get(k) is not True and _normal(before.get(k)) != _normal(after.get(k)))
        )
    )


def _normal(value: object) -> object:
    # The provider reads back unset strings, maps and lists as "", {} and [] but plans them as null.
    return None if value in ("", {}, []) else value


def _path_text(path: list[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _address_without_module(address: str) -> str:
    # cdktf stacks have no modules; an index (`foo.bar[0]`) still maps to `foo.bar`'s path.
    return address.split("[", 1)[0]


def parse_plan(
    stack: str, plan: dict[str, Any], *, paths: dict[str, str] | None = None, allowed: Iterable[str] = ()
) -> ChangeSet:
    """The change set of one `terraform show -json` plan document."""
    paths = paths or {}
    configured = configured_attributes(plan)
    changes = []
    for item in plan.get("resource_changes", []):
        if item.get("mode") != "managed":
            continue
        change = item["change"]
        action = ACTION_NAMES.get(tuple(change["actions"])) or _moved_or_imported(item)
        if action is None:  # no-op, read
            continue
        before = change.get("before") or {}
        after = change.get("after") or {}
        address = item["address"]
        changed = (
            _changed_attributes(
                before,
                after,
                change.get("after_unknown") or {},
                configured.get(_address_without_module(address), frozenset()),
            )
            if action in (MODIFY, REPLACE)
            else ()
        )
        replace = tuple(sorted({_path_text(p) for p in change.get("replace_paths") or []}))
        changes.append(
            ResourceChange(
                action=action,
                address=address,
                logical_id=paths.get(_address_without_module(address), address),
                type=item["type"],
                physical_id=before.get("id") if before else None,
                changed=changed,
                forces_replacement=replace,
                reason=item.get("action_reason") or _move_or_import_reason(item),
                guarded=is_guarded(action, item["type"]),
            )
        )
    changes.sort(key=lambda c: (ACTION_ORDER.index(c.action), c.logical_id))
    outputs = tuple(
        sorted(name for name, change in (plan.get("output_changes") or {}).items() if change["actions"] != ["no-op"])
    )
    return ChangeSet(
        stack=stack,
        changes=tuple(changes),
        allowed=tuple(sorted(allowed)),
        output_changes=outputs,
        notes=_service_off_latest_revision(plan, changes),
    )


def _moved_or_imported(item: dict[str, Any]) -> str | None:
    """MOVE or IMPORT for a `no-op` that changes only the state (Terraform 1.11's plan JSON:
    `previous_address` beside `address`, or `change.importing`); None for a true no-op.
    Terraform's own UI names such a change `move` before `import` (both: a move)."""
    if tuple(item["change"]["actions"]) != ("no-op",):
        return None
    if item.get("previous_address") and item["previous_address"] != item["address"]:
        return MOVE
    return IMPORT if item["change"].get("importing") is not None else None


def _move_or_import_reason(item: dict[str, Any]) -> str | None:
    """`moved from <address>` / `imported (id …)` (both when both), for any action."""
    reasons = []
    if item.get("previous_address") and item["previous_address"] != item["address"]:
        reasons.append(f"moved from {item['previous_address']}")
    importing = item["change"].get("importing")
    if importing is not None:
        reasons.append(f"imported (id {importing['id']})" if importing.get("id") else "imported")
    return "; ".join(reasons) or None


def _service_off_latest_revision(plan: dict[str, Any], changes: list[ResourceChange]) -> tuple[str, ...]:
    # The task definition tracks its family's latest revision, so when it has no change
    # the service's new `task_definition` is that latest revision, which the service does
    # not run now: someone or something (the circuit breaker) moved it to another one.
    changed = {_address_without_module(c.address) for c in changes}
    task_definitions = configured_references(plan, "task_definition")
    return tuple(
        f"note: {c.logical_id} moves to the latest revision of its task definition, which has no change: "
        "the service runs another revision now (did the deployment circuit breaker roll a failed "
        "pipeline deployment back?), and applying deploys the latest revision's image again. "
        'See docs/architecture.md, "Terraform and the pipeline share the task definition".'
        for c in changes
        if c.type == "aws_ecs_service"
        and c.action == MODIFY
        and "task_definition" in c.changed
        and (referenced := task_definitions.get(_address_without_module(c.address), frozenset()))
        and not referenced & changed
    )


def from_planned_changes(
    stack: str,
    planned: dict[str, str],
    types: dict[str, str],
    *,
    paths: dict[str, str] | None = None,
    allowed: Iterable[str] = (),
) -> ChangeSet:
    """The change set of a `plan -json` stream (address -> UI action, address -> type): actions
    and the guard without `terraform show -json` (which loads the provider's schema, seconds
    per workspace). No attribute names: those are only in the full plan."""
    paths = paths or {}
    changes = []
    for address, ui_action in planned.items():
        action = UI_ACTION_NAMES.get(ui_action)
        if action is None:  # no-op, read
            continue
        changes.append(
            ResourceChange(
                action=action,
                address=address,
                logical_id=paths.get(_address_without_module(address), address),
                type=types.get(address, ""),
                physical_id=None,
                guarded=is_guarded(action, types.get(address, "")),
            )
        )
    changes.sort(key=lambda c: (ACTION_ORDER.index(c.action), c.logical_id))
    return ChangeSet(stack=stack, changes=tuple(changes), allowed=tuple(sorted(allowed)))


# ------------------------------------------------------------------ printing


def _details(change: ResourceChange) -> str:
    if change.action == REPLACE:
        forced = set(change.forces_replacement)
        others = [a for a in change.changed if a not in forced]
        text = "replaced because of: " + (", ".join(change.forces_replacement) or change.reason or "?")
        return text + (f"; also changes: {', '.join(others)}" if others else "")
    if change.action == MODIFY:
        return ", ".join(change.changed) + (f" ({change.reason})" if change.reason else "")
    if change.action in (MOVE, IMPORT):
        return change.reason or ""
    return ""


def render(changeset: ChangeSet) -> str:
    counts = changeset.counts()
    summary = ", ".join(f"{n} {action.lower()}" for action, n in counts.items() if n) or "no resource changes"
    lines = [f"Change set for {changeset.stack}: {summary}"]
    if changeset.changes:
        header = ("Action", "Logical ID (construct path)", "Type", "Physical ID", "Changed / forces replacement")
        rows = [
            (
                c.action + (" !" if c in changeset.blocked else ""),
                c.logical_id,
                c.type,
                c.physical_id or "-",
                _details(c),
            )
            for c in changeset.changes
        ]
        lines.extend(table(header, rows))
    if changeset.output_changes:
        lines.append(f"Outputs that change: {', '.join(changeset.output_changes)}")
    lines.extend(changeset.notes)
    if changeset.blocked:
        lines.append("")
        lines.append(
            f"BLOCKED: this plan destroys or replaces {len(changeset.blocked)} stateful resource(s) "
            "(workspace/protection.py STATEFUL_RESOURCE_TYPES):"
        )
        lines.extend(f"  {c.action:8} {c.address}" for c in changeset.blocked)
        allow = " ".join(f"--allow {c.address}" for c in changeset.blocked)
        lines.append(f"If this is intended, run again naming each one: {allow}")
    else:
        for c in changeset.changes:
            if c.guarded:
                lines.append(f"allowed by the operator: {c.action} {c.address}")
    return "\n".join(lines)


def combined_exit_code(changesets: Iterable[ChangeSet]) -> int:
    return max((c.exit_code for c in changesets), default=EXIT_NO_CHANGES)
