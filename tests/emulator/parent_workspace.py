"""A private copy of the `parent-local` workspace for one test module: synthesized from the
(possibly changed) `local` config into a temp directory, driven with terraform directly.

The parent workspace (46 SSM parameters, a KMS key and its alias) deploys on the plain
emulator without seeding; the state lands in <tmp>/state/local/parent-local.tfstate as in
the repository. To keep these tests within minutes on a shared 2-core machine (a refresh
costs ~0.4 s per resource here), the synthesized document is cut to the KMS key, its alias
and the parameters in `KEPT_PARAMETERS`, with the outputs that name the others: the same
resources, settings and provider, fewer of them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

from cdktf import App

import workspace as _workspace  # noqa: F401  (provider import shortcut first)
from config.schema import EnvironmentConfig
from stacks.parent import ParentStack
from tests import terraform_runs as terraform
from tests.configs import environment
from tools.aws import emulator_client

STACK = "parent-local"
# Construct ids (path tails) of the catalogue parameters the tests keep: the two the
# in-place tests change, the ones renamed, removed and broken, and a SecureString (KMS).
KEPT_PARAMETERS = (
    "admin_email",
    "backend_url",
    "fargate_auto_scaling_cpu_target_percent",
    "fargate_desired_count",
    "gsm_base_url",
    "gsm_username",
    "jwt_expire",
    "jwt_refresh_expire",
)


def local_config(**changes: object) -> EnvironmentConfig:
    """The `local` config with dotted-path changes: local_config(**{"fargate.desired_count": 2})."""
    return environment("local", **changes)


def trimmed(document: dict, kept: tuple[str, ...] = KEPT_PARAMETERS) -> dict:
    """`document` with only the kept parameters (and the outputs that name no other)."""
    document = copy.deepcopy(document)
    parameters = document["resource"]["aws_ssm_parameter"]
    dropped = [
        name for name, body in parameters.items() if body["//"]["metadata"]["path"].rsplit("/", 1)[1] not in kept
    ]
    for name in dropped:
        del parameters[name]
    assert len(parameters) == len(kept), sorted(parameters)
    document["output"] = {
        key: output
        for key, output in document.get("output", {}).items()
        if not any(f"aws_ssm_parameter.{name}." in json.dumps(output) for name in dropped)
    }
    return document


def synthesize(config: EnvironmentConfig, root: Path) -> Path:
    """Synthesize the parent stack of `config` under root/cdktf.out; returns its stack directory."""
    outdir = root / "cdktf.out"
    outdir.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(outdir))
    ParentStack(app, config)
    app.synth()
    return outdir / "stacks" / STACK


class ParentWorkspace:
    """One synthesized parent-local directory whose cdk.tf.json a test may swap."""

    def __init__(self, root: Path, config: EnvironmentConfig | None = None) -> None:
        self.config = config or local_config()
        self.root = root
        self.directory = synthesize(self.config, root)
        self.original = trimmed(json.loads(self.cdk_json.read_text()))
        self.restore()
        terraform.init(self.directory)

    @property
    def cdk_json(self) -> Path:
        return self.directory / "cdk.tf.json"

    @property
    def state_file(self) -> Path:
        return self.root / "state" / "local" / f"{STACK}.tfstate"

    def document(self) -> dict:
        """A copy of the synthesized configuration, to change and `use`."""
        return copy.deepcopy(self.original)

    def use(self, document: dict) -> None:
        self.cdk_json.write_text(json.dumps(document, indent=2))

    def use_config(self, config: EnvironmentConfig) -> None:
        """Swap in the synth of another config (synthesized beside, so state paths stay ours)."""
        scratch = self.root / "scratch"
        self.use(trimmed(json.loads((synthesize(config, scratch) / "cdk.tf.json").read_text())))

    def restore(self) -> None:
        self.use(self.original)

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def addresses_in_state(self) -> set[str]:
        return {
            f"{r['type']}.{r['name']}"
            for r in self.state().get("resources", [])
            if r.get("mode") == "managed" and r.get("instances")
        }

    def ssm(self):
        return client("ssm", self.config)


def client(service: str, config: EnvironmentConfig):
    assert config.emulator is not None
    return emulator_client(service, config.emulator.endpoint, config.region)


def parameter_address(document: dict, slug: str) -> str:
    """The address of the catalogue parameter whose construct id is `slug` (e.g. `jwt_expire`)."""
    parameters = document["resource"]["aws_ssm_parameter"]
    matches = [name for name, body in parameters.items() if body["//"]["metadata"]["path"].endswith(f"/{slug}")]
    assert len(matches) == 1, f"{slug}: {matches}"
    return f"aws_ssm_parameter.{matches[0]}"


def parameter(document: dict, address: str) -> dict:
    """The (mutable) body of a parameter in `document`."""
    return document["resource"]["aws_ssm_parameter"][address.split(".", 1)[1]]


def parameter_values(workspace: ParentWorkspace) -> dict[str, str]:
    """Every parameter under the local prefix, name -> value, read from the emulator."""
    found: dict[str, str] = {}
    pages = (
        workspace.ssm()
        .get_paginator("get_parameters_by_path")
        .paginate(Path=workspace.config.parameter_prefix, Recursive=True, WithDecryption=True)
    )
    for page in pages:
        found.update({p["Name"]: p["Value"] for p in page["Parameters"]})
    return found


def remove_from_emulator(workspace: ParentWorkspace) -> None:
    """Leave the emulator as the module found it (other modules deploy the same names).

    With the API, not `terraform destroy`: destroy is proven elsewhere, and here every
    terraform command costs 10-20 s of provider start-up on this shared machine."""
    kms = client("kms", workspace.config)
    for resource in workspace.state().get("resources", []):
        for instance in resource.get("instances", []) if resource.get("mode") == "managed" else []:
            attributes = instance["attributes"]
            if resource["type"] == "aws_ssm_parameter":
                workspace.ssm().delete_parameter(Name=attributes["name"])
            elif resource["type"] == "aws_kms_alias":
                kms.delete_alias(AliasName=attributes["name"])
            elif resource["type"] == "aws_kms_key":
                kms.schedule_key_deletion(KeyId=attributes["key_id"], PendingWindowInDays=7)


def module_workspace(
    tmp_path_factory, name: str, emulator_endpoint: str, *, apply: bool = False
) -> Iterator[ParentWorkspace]:
    """The body of a module fixture (`yield from` it): a ParentWorkspace in a new temp
    directory `name` that talks to the session's emulator, applied first with `apply`, and
    removed from the emulator when the module is done."""
    workspace = ParentWorkspace(tmp_path_factory.mktemp(name))
    assert workspace.config.emulator.endpoint == emulator_endpoint
    if apply:
        terraform.apply(workspace.directory)
    yield workspace
    remove_from_emulator(workspace)
