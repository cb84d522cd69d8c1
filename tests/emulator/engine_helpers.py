"""Driving the deploy engine (tools/deploy/engine.py) on a private parent-local workspace
(tests/emulator/parent_workspace.py) and comparing what Terraform sees before and after."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

from tests import terraform_runs as terraform
from tests.emulator.parent_workspace import ParentWorkspace, parameter, parameter_address
from tests.engine.fixtures import EngineRun, run_step
from tools.deploy.workspace import Workspace

# Attributes AWS itself changes on every write: SSM bumps a parameter's version whenever its
# value or description is put again, so a modify-then-revert leaves version 1 -> 3.
REGENERATED = {"aws_ssm_parameter": {"version"}}
# The parameters a test update adds (copies of jwt_expire under new names and construct ids).
NEW_PARAMETERS = ("extra_one", "extra_two")
# The parameters a test update modifies (their description).
MODIFIED_PARAMETERS = ("admin_email", "backend_url", "gsm_username")


def engine_workspace(workspace: ParentWorkspace) -> Workspace:
    return Workspace(workspace.config, "parent", workspace.directory)


def run_engine(workspace: ParentWorkspace, step: Callable[..., int], *args: object, **kwargs: object) -> EngineRun:
    """Run one engine entry point (deploy.deploy, deploy.continue_rollback, …) and keep what it printed."""
    return run_step(engine_workspace(workspace), workspace.root / "logs", step, *args, **kwargs)


def new_parameter_name(workspace: ParentWorkspace, slug: str) -> str:
    return f"{workspace.config.parameter_prefix}/{slug.replace('_', '-')}"


def new_parameter_address(slug: str) -> str:
    return f"aws_ssm_parameter.parameters_{slug}_0000{slug[-3:].upper()}"


def updated_document(workspace: ParentWorkspace, *, new: tuple[str, ...] = NEW_PARAMETERS) -> dict:
    """The workspace's configuration with MODIFIED_PARAMETERS' descriptions changed (in place)
    and `new` parameters added (creates)."""
    document = workspace.document()
    for slug in MODIFIED_PARAMETERS:
        parameter(document, parameter_address(document, slug))["description"] += " (changed)"
    template = parameter(document, parameter_address(document, "jwt_expire"))
    for slug in new:
        body = copy.deepcopy(template)
        body["name"] = new_parameter_name(workspace, slug)
        body["//"]["metadata"]["path"] = f"parent-local/parameters/{slug}"
        document["resource"]["aws_ssm_parameter"][new_parameter_address(slug).split(".", 1)[1]] = body
    return document


def name_in_body(name: str) -> str:
    """How a parameter's name appears in an SSM request body (JSON): a fault matches exactly it."""
    return json.dumps(name)


def _same_when_empty(value: object) -> object:
    # The provider plans an unset map, list or string as null and reads it back as empty
    # (a create records `tags = null`, the next refresh `tags = {}`): one value, two spellings.
    return None if value in ("", {}, []) else value


def shown_state(directory: Path) -> dict[str, dict]:
    """`terraform show -json` of the workspace's state: address -> attribute values, without
    the attributes AWS regenerates."""
    document = json.loads(terraform.run(directory, "show", "-json").output)
    resources = document.get("values", {}).get("root_module", {}).get("resources", [])
    return {
        r["address"]: {
            k: _same_when_empty(v) for k, v in r["values"].items() if k not in REGENERATED.get(r["type"], ())
        }
        for r in resources
        if r["mode"] == "managed"
    }


def lock_is_free(directory: Path) -> bool:
    """A plan that refuses to wait for the lock runs (and finds nothing to change)."""
    return terraform.plan(directory, "check.tfplan", "-lock-timeout=0s") == terraform.NO_CHANGES
