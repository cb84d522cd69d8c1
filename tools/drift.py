"""Drift detection: what changed in AWS behind Terraform's back, workspace by workspace.

    ./dailydesk drift --env prod          # make drift ENV=prod

For each workspace of the environment (parent, backend, frontend): `terraform plan
-refresh-only -detailed-exitcode -lock=false`, read back with `terraform show -json`, and
one row per drifted attribute: workspace, address, attribute, in state -> in AWS (not what
the pipeline's ECS deploy changes: a new image in a new revision the service runs). Nothing
is changed: a refresh-only plan is saved to a file and never applied, and it takes no
state lock (it writes no state), so the read-only plan role can run it and it never blocks
a deploy. One progress line per workspace step on stderr (tools/deploy/progress.py); Terraform's
output in .deploy-logs/. Exit codes (tools/deploy/exit_codes.py): 0 nothing drifted, 2
something did (found), 8 nothing drifted but a key could not be checked, 1 a workspace
could not be checked.

With the backend: the API key of each EventBridge connection, which Terraform never
holds, is compared with its secret (`tools.api_keys.check`, values compared in memory,
never shown). A connection whose key differs from its secret (the placeholder Terraform
puts in, or another key), or whose secret is gone, is a row like any other (attribute
`auth_parameters[0].api_key[0].value`). A key that could not be compared (e.g. the plan
role may not read secret values) is a `cannot check` row with its own exit code (8) when
nothing else was found; a connection not deployed yet is no row.

To put AWS back as the code says, deploy the workspace (`make deploy STACK=…`); to accept
the change instead, change the code or config and deploy.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import EnvironmentConfig
from tools import api_keys, synth
from tools.deploy import exit_codes
from tools.deploy.progress import Progress, log_dir_for
from tools.deploy.steps import Context, StepError, init, plan
from tools.deploy.workspace import Workspace
from tools.paths import DEFAULT_OUTDIR
from tools.table import table
from tools.terraform import cli as terraform
from workspace import layers as workspace_layers
from workspace.catalogue import CONNECTION_API_KEY_ATTRIBUTE

NO_DRIFT, ERROR, DRIFT = exit_codes.OK, exit_codes.ERROR, exit_codes.FOUND
MAX_VALUE_WIDTH = 60
SENSITIVE = "(sensitive)"


@dataclass(frozen=True)
class Drift:
    workspace: str
    address: str
    attribute: str
    in_state: str
    in_aws: str


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= MAX_VALUE_WIDTH else text[: MAX_VALUE_WIDTH - 1] + "…"


def _empty(value: Any) -> bool:
    # The provider reads an unset map or list back as null or as empty: not a change.
    return value is None or value in ({}, [], "")


def _child(mask: Any, key: Any) -> Any:
    if isinstance(mask, dict):
        return mask.get(key, False)
    if isinstance(mask, list) and isinstance(key, int) and key < len(mask):
        return mask[key]
    return mask is True


Path_ = tuple[Any, ...]


def attribute_changes(
    before: Any, after: Any, before_mask: Any = False, after_mask: Any = False, path: Path_ = ()
) -> list[tuple[Path_, str, str]]:
    """(attribute path, in state, in AWS) for every leaf that differs; sensitive values masked."""
    if before == after or (_empty(before) and _empty(after)):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after)):
            changes += attribute_changes(
                before.get(key), after.get(key), _child(before_mask, key), _child(after_mask, key), (*path, key)
            )
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            changes += attribute_changes(b, a, _child(before_mask, index), _child(after_mask, index), (*path, index))
        return changes
    shown_before = SENSITIVE if before_mask is True else _show(before)
    shown_after = SENSITIVE if after_mask is True else _show(after)
    return [(path, shown_before, shown_after)]


def configured(expressions: Any, path: Path_) -> bool:
    """Whether the configuration sets the attribute at `path` (or a value that contains it).

    Attributes the code leaves unset are the provider's observations (an IAM role's
    inline policies written by a separate resource, a bucket's settings made by their own
    resources): a change there is not drift from what the code says.
    """
    node = expressions
    for key in path:
        if isinstance(node, dict) and ("constant_value" in node or "references" in node):
            return True  # inside one configured value (a map, a JSON document, a list)
        if (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and key < len(node)
        ):
            node = node[key]
        else:
            return False
    return True


def _render_path(path: Path_) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "(value)"


# Tags set through the provider's default_tags appear in no resource's configuration.
ALWAYS_MANAGED = ("tags_all",)


TASK_DEFINITION_TYPE = "aws_ecs_task_definition"
SERVICE_TYPE = "aws_ecs_service"


def _family(task_definition: Any) -> str | None:
    """`arn:…:task-definition/<family>:<revision>` or `<family>:<revision>` -> the family."""
    if not isinstance(task_definition, str) or ":" not in task_definition:
        return None
    return task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _without_images(container_definitions: Any) -> Any:
    try:
        containers = json.loads(container_definitions)
    except (TypeError, ValueError):
        return container_definitions
    if not isinstance(containers, list):
        return containers
    return [{k: v for k, v in c.items() if k != "image"} if isinstance(c, dict) else c for c in containers]


def without_pipeline_rollout(resource_type: str, before: Any, after: Any) -> Any:
    """`after` with what the pipeline's ECS deploy action changes put back to `before`: it
    registers a revision of the same family that differs only in the container's image, and
    points the service at it. That is the release path working, not drift; anything else
    that differs (cpu, environment, another family) stays and is reported."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return after
    same_containers = _without_images(before.get("container_definitions")) == _without_images(
        after.get("container_definitions")
    )
    if resource_type == TASK_DEFINITION_TYPE and before.get("family") == after.get("family") and same_containers:
        return after | {"container_definitions": before.get("container_definitions")}
    if resource_type == SERVICE_TYPE:
        family = _family(before.get("task_definition"))
        if family is not None and family == _family(after.get("task_definition")):
            return after | {"task_definition": before.get("task_definition")}
    return after


def read_drift(plan: dict[str, Any], workspace: str) -> list[Drift]:
    """The drifted attributes of a refresh-only plan (`terraform show -json`) that the
    configuration manages."""
    expressions = {
        r["address"]: r.get("expressions", {})
        for r in plan.get("configuration", {}).get("root_module", {}).get("resources", [])
    }
    rows = []
    for entry in plan.get("resource_drift", []):
        change, address = entry.get("change", {}), entry["address"]
        if "delete" in change.get("actions", []):
            rows.append(Drift(workspace, address, "(resource)", "exists", "deleted outside Terraform"))
            continue
        configuration = expressions.get(address.split("[", 1)[0], {})
        resource_type = entry.get("type") or address.split(".", 1)[0]
        for path, before, after in attribute_changes(
            change.get("before"),
            without_pipeline_rollout(resource_type, change.get("before"), change.get("after")),
            change.get("before_sensitive", False),
            change.get("after_sensitive", False),
        ):
            if path[0] in ALWAYS_MANAGED or configured(configuration, path):
                rows.append(Drift(workspace, address, _render_path(path), before, after))
    return rows


def detect(workspace: Workspace, context: Context) -> list[Drift]:
    """Refresh-only plan of one synthesized workspace (never locking its state); its drifted attributes."""
    init(workspace, context)
    planned = plan(workspace, context, lock=False, extra=("-refresh-only",), step="refresh-only plan")
    try:
        if not planned.changes:
            return []
        return read_drift(terraform.show_json(workspace.directory, str(planned.plan_file)), workspace.stack)
    finally:
        workspace.discard(planned.plan_file)


CONNECTION_TYPE = "aws_cloudwatch_event_connection"
# Not drift of the key: a deleted connection is the refresh's own row, an undeployed one
# has no key yet. An unreadable key is a row of its own ("cannot check"), not drift.
NOT_KEY_DRIFT = (api_keys.IN_SYNC, api_keys.CONNECTION_MISSING, api_keys.ERROR)
CANNOT_CHECK = "cannot check"


def connection_addresses(stack_dir: Path) -> dict[str, str]:
    """Connection name -> Terraform address in a synthesized backend stack."""
    path = stack_dir / "cdk.tf.json"
    if not path.exists():
        return {}
    document = json.loads(path.read_text())
    return {
        body["name"]: f"{CONNECTION_TYPE}.{logical_id}"
        for logical_id, body in document.get("resource", {}).get(CONNECTION_TYPE, {}).items()
    }


def _key_row(row: api_keys.Row, workspace: str, addresses: dict[str, str], in_aws: str) -> Drift:
    return Drift(
        workspace,
        addresses.get(row.connection, row.connection),
        CONNECTION_API_KEY_ATTRIBUTE,
        f"key of secret {row.secret}",
        in_aws,
    )


def key_drift(rows: list[api_keys.Row], workspace: str, addresses: dict[str, str]) -> list[Drift]:
    """Drift rows for the connections whose key does not match their secret (or whose
    secret is gone): what the key should be -> what the connection holds, never a value."""
    return [
        _key_row(row, workspace, addresses, row.detail if row.status == api_keys.DIFFERS else row.status)
        for row in rows
        if row.status not in NOT_KEY_DRIFT
    ]


def unchecked_keys(rows: list[api_keys.Row], workspace: str, addresses: dict[str, str]) -> list[Drift]:
    """A row for each connection whose key could not be compared (e.g. the plan role may not
    read secret values): not drift, and not silence either."""
    return [
        _key_row(row, workspace, addresses, f"{CANNOT_CHECK}: {row.detail}")
        for row in rows
        if row.status == api_keys.ERROR
    ]


def check_api_keys(config: EnvironmentConfig, stack_dir: Path, workspace: str) -> tuple[list[Drift], list[Drift]]:
    """(drifted keys, keys that could not be compared) of the backend's connections."""
    print(f"comparing the API keys of {workspace}'s connections with their secrets …", file=sys.stderr, flush=True)
    rows = api_keys.check(config)
    addresses = connection_addresses(stack_dir)
    return key_drift(rows, workspace, addresses), unchecked_keys(rows, workspace, addresses)


def render(rows: list[Drift]) -> str:
    if not rows:
        return "no drift"
    headers = ("WORKSPACE", "ADDRESS", "ATTRIBUTE", "IN STATE", "->", "IN AWS")
    return "\n".join(table(headers, [(r.workspace, r.address, r.attribute, r.in_state, "->", r.in_aws) for r in rows]))


def run(
    config: EnvironmentConfig,
    outdir: Path,
    layers: tuple[str, ...] = workspace_layers.NAMES,
    context: Context | None = None,
) -> tuple[int, list[Drift]]:
    """Refresh every workspace of `layers` (side by side: each has its own state and
    reads nothing of the others') and collect the drifted attributes in layer order."""
    from concurrent.futures import ThreadPoolExecutor

    context = context or Context(progress=Progress(sys.stderr, log_dir=log_dir_for(outdir)))

    def refresh(layer: str) -> list[Drift] | None:
        workspace = Workspace.of(config, layer, outdir)
        try:
            return detect(workspace, context)
        except (StepError, terraform.TerraformError) as error:
            context.progress.line(f"error: {workspace.stack}: {error}")
            return None

    with ThreadPoolExecutor(max_workers=len(layers) or 1) as pool:
        results = list(pool.map(refresh, layers))
    rows = [row for result in results if result for row in result]
    unchecked: list[Drift] = []
    if workspace_layers.BACKEND.name in layers:
        backend = Workspace.of(config, workspace_layers.BACKEND.name, outdir)
        drifted, unchecked = check_api_keys(config, backend.directory, backend.stack)
        rows += drifted
    if any(result is None for result in results):
        code = ERROR
    elif rows:
        code = DRIFT
    else:
        code = exit_codes.CANNOT_CHECK if unchecked else NO_DRIFT
    return code, rows + unchecked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk drift", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR)
    parser.add_argument(
        "--layers", default=",".join(workspace_layers.NAMES), help="comma-separated subset of parent,backend,frontend"
    )
    parser.add_argument("--skip-synth", action="store_true", help="use the stacks already in --outdir")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    layers = tuple(layer.strip() for layer in args.layers.split(",") if layer.strip())
    try:
        config = load_environment(args.env)
        workspace_layers.waves(layers)  # refuses an unknown layer
    except (ConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return ERROR
    if not config.is_emulated:
        from tools.aws import missing_credentials

        problems = missing_credentials(config)
        if problems:
            print("error: cannot check drift:\n  - " + "\n  - ".join(problems), file=sys.stderr)
            return ERROR
    progress = Progress(sys.stderr, log_dir=log_dir_for(args.outdir))
    progress.line(f"logs: {progress.logs_pattern()}")
    try:
        if not args.skip_synth:
            synth.synthesize([config.name], args.outdir)
        code, rows = run(config, args.outdir, layers, Context(progress=progress))
    except synth.SynthError as error:
        print(f"error: {error}", file=sys.stderr)
        return ERROR
    finally:
        progress.close()
    print(render(rows))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
