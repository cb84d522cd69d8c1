"""A private copy of the `parent-local` workspace for one test module: synthesized from the
(possibly changed) `local` config into a temp directory, driven with terraform directly.

The parent workspace (46 SSM parameters, a KMS key and its alias) deploys on the plain
emulator without seeding, so the plan/apply semantics are tested on real resources in
seconds; the state lands in <tmp>/state/local/parent-local.tfstate as in the repository.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import boto3
from cdktf import App

import constructs_lib  # noqa: F401  (provider import shortcut first)
from config import load_environment
from config.schema import EnvironmentConfig
from stacks.parent import ParentStack
from tools import terraform

STACK = "parent-local"


def local_config(**changes: object) -> EnvironmentConfig:
    """The `local` config with dotted-path changes: local_config(**{"fargate.desired_count": 2})."""
    config = load_environment("local")
    for dotted, value in changes.items():
        config = _replace(config, dotted.split("."), value)
    return config


def _replace(model, path: list[str], value: object):
    head, *rest = path
    return model.model_copy(update={head: _replace(getattr(model, head), rest, value) if rest else value})


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
        self.original = json.loads(self.cdk_json.read_text())
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
        self.use(json.loads((synthesize(config, scratch) / "cdk.tf.json").read_text()))

    def restore(self) -> None:
        self.use(self.original)

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def addresses_in_state(self) -> set[str]:
        return {
            f"{r['type']}.{r['name']}" for r in self.state().get("resources", [])
            if r.get("mode") == "managed" and r.get("instances")
        }

    def ssm(self):
        return client("ssm", self.config)


def client(service: str, config: EnvironmentConfig):
    assert config.emulator is not None
    return boto3.client(service, endpoint_url=config.emulator.endpoint, region_name=config.region,
                        aws_access_key_id="test", aws_secret_access_key="test")


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
    pages = workspace.ssm().get_paginator("get_parameters_by_path").paginate(
        Path=workspace.config.parameter_prefix, Recursive=True, WithDecryption=True)
    for page in pages:
        found.update({p["Name"]: p["Value"] for p in page["Parameters"]})
    return found


def destroy_everything(workspace: ParentWorkspace) -> None:
    """Leave the emulator as the module found it (other modules deploy the same names)."""
    workspace.restore()
    if workspace.addresses_in_state():
        terraform.destroy(workspace.directory)
