"""One Terraform workspace as the tools see it: a synthesized stack directory with its
environment config and layer, and the one place that knows that directory's files.

    <outdir>/stacks/<stack>/cdk.tf.json        the synthesized configuration Terraform runs
    <outdir>/stacks/<stack>/tfplan-<pid>-<hex> one engine command's own plan (make deploy, make diff,
                                               make changeset, make drift), removed when it is done:
                                               `make diff` and `make deploy` in one checkout never share one
    <outdir>/stacks/<stack>/rollback.tfplan    a first deploy's rollback (destroy of what it created)
    <outdir>/rollback/<stack>/                 a rollback's copy of the last good configuration
    state                                      beside the repository for `local` (state/<env>/<stack>.tfstate),
                                               in the state bucket or Terraform Cloud otherwise

Stack names on the command line are `<layer>-<env>`, e.g. `backend-prod` (`parse_stack`).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.schema import ENVIRONMENT_NAMES, EnvironmentConfig, LocalState
from tools.deploy import last_good
from workspace import layers
from workspace.layers import Layer
from workspace.state_locations import local_state_path

CONFIGURATION_FILE = "cdk.tf.json"
PLAN_FILE_PREFIX = "tfplan"
ROLLBACK_PLAN_FILE = "rollback.tfplan"


def parse_stack(stack: str) -> tuple[Layer, str]:
    """The layer and the environment of a stack name; a clear error for anything else."""
    layer, _, environment = stack.partition("-")
    if layer not in layers.BY_NAME or environment not in ENVIRONMENT_NAMES:
        raise ValueError(
            f"unknown stack {stack!r}: stacks are <layer>-<env> with layer in {', '.join(layers.NAMES)} "
            f"and env in {', '.join(ENVIRONMENT_NAMES)}"
        )
    return layers.BY_NAME[layer], environment


def stacks_directory(outdir: Path) -> Path:
    """Where the synth writes one directory per stack."""
    return outdir / "stacks"


def read_configuration(directory: Path) -> dict[str, Any]:
    """The synthesized configuration of a stack directory (or a rollback copy of one)."""
    document: dict[str, Any] = json.loads((directory / CONFIGURATION_FILE).read_text())
    return document


def construct_paths(configuration: dict[str, Any]) -> dict[str, str]:
    """`type.name` -> construct path, from the `//` metadata cdktf writes into cdk.tf.json."""
    paths = {}
    for rtype, resources in configuration.get("resource", {}).items():
        for name, body in resources.items():
            path = body.get("//", {}).get("metadata", {}).get("path")
            if path:
                paths[f"{rtype}.{name}"] = path
    return paths


def write_configuration(directory: Path, configuration: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIGURATION_FILE).write_text(json.dumps(configuration, indent=2))


@dataclass(frozen=True)
class Workspace:
    config: EnvironmentConfig
    layer: str
    directory: Path  # the synthesized stack directory: <outdir>/stacks/<stack>

    @classmethod
    def of(cls, config: EnvironmentConfig, layer: str, outdir: Path) -> Workspace:
        """The workspace of `layer` in `config`'s environment, synthesized under `outdir`."""
        return cls(config, layer, stacks_directory(outdir) / config.namer.stack(layer))

    @property
    def stack(self) -> str:
        return self.config.namer.stack(self.layer)

    @property
    def configuration_file(self) -> Path:
        return self.directory / CONFIGURATION_FILE

    def scratch_plan_file(self, directory: Path | None = None) -> Path:
        """A plan file of one engine command's own, in the stack directory (or `directory`): no
        other command, in this process or another, gets the same name. `discard` removes it."""
        return (directory or self.directory) / f"{PLAN_FILE_PREFIX}-{os.getpid()}-{secrets.token_hex(4)}"

    @staticmethod
    def discard(plan_file: Path) -> None:
        """Remove a scratch plan file once its command is done with it (it may never have been written)."""
        plan_file.unlink(missing_ok=True)

    @property
    def rollback_plan_file(self) -> Path:
        return self.directory / ROLLBACK_PLAN_FILE

    @property
    def rollback_directory(self) -> Path:
        # At the same depth as the stack directory, so the relative local-state and
        # remote-state paths inside the configuration resolve to the same files.
        return self.directory.parent.parent / "rollback" / self.stack

    @property
    def local_state_file(self) -> Path:
        """The state file of a workspace with the `local` backend."""
        state = self.config.state
        if not isinstance(state, LocalState):
            raise ValueError(f"{self.stack} keeps its state in {state.backend}, not in a local file")
        namer = self.config.namer
        return (self.directory / local_state_path(self.config, namer, self.layer, state)).resolve()

    def configuration(self) -> dict[str, Any]:
        return read_configuration(self.directory)

    def store(self) -> last_good.Store:
        return last_good.store_for(self.config, self.layer, self.directory)

    def construct_paths(self, directory: Path | None = None) -> dict[str, str]:
        """`type.name` -> construct path, from the stack directory's configuration (and, for a
        rollback, the rollback copy's: a resource may be in only one of them)."""
        paths: dict[str, str] = {}
        for found in dict.fromkeys([self.directory, directory or self.directory]):
            try:
                paths.update(construct_paths(read_configuration(found)))
            except (OSError, ValueError):
                continue
        return paths

    def path_of(self, address: str, paths: dict[str, str] | None = None) -> str:
        found = (paths if paths is not None else self.construct_paths()).get(address.split("[", 1)[0])
        return f"{address} ({found})" if found else address
