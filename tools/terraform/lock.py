"""The provider checksums every stack directory uses: the committed dependency lock file.

`.terraform.lock.hcl` at the repository root pins hashicorp/aws to the version
tools/terraform/config.py installs (PROVIDER_VERSION) and to the checksum of its package in
the filesystem mirror. Before every `terraform init` of the engine (tools/deploy/steps.py)
and after every synth (tools/synth.py) it is copied into the stack directory, and the engine
inits with `-lockfile=readonly`: a provider binary whose checksum differs (a tampered mirror,
another build) fails init instead of running, and nothing rewrites the pins.

It holds the checksums of the mirror's platform (linux_amd64, as CI runs). To pin another
version, or add a platform's checksums, write it again from the mirror and commit it:

    terraform -chdir=<a stack directory> providers lock -fs-mirror=/opt/tf-plugins \\
        -platform=linux_amd64 registry.terraform.io/hashicorp/aws
    cp <that stack directory>/.terraform.lock.hcl .terraform.lock.hcl

A configuration that requires no provider (tests/engine's fixtures, Terraform's built-in
`terraform_data` only) gets no lock file: a lock that names providers it does not use would
fail a read-only init.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tools.paths import REPO_ROOT

LOCK_FILE_NAME = ".terraform.lock.hcl"
PROVIDER_LOCK = REPO_ROOT / LOCK_FILE_NAME
READ_ONLY = "-lockfile=readonly"
DEFAULT_REGISTRY = "registry.terraform.io"
_PROVIDER = re.compile(r'^provider\s+"([^"]+)"\s*\{(.*?)^\}', re.MULTILINE | re.DOTALL)
_VERSION = re.compile(r'^\s*version\s*=\s*"([^"]+)"', re.MULTILINE)


def locked_versions(lock_file: Path | None = None) -> dict[str, str]:
    """Provider address (registry.terraform.io/hashicorp/aws) -> the version the lock file pins."""
    text = (lock_file or PROVIDER_LOCK).read_text()
    return {
        address: found.group(1)
        for address, body in _PROVIDER.findall(text)
        if (found := _VERSION.search(body)) is not None
    }


def provider_address(source: str) -> str:
    """The full address of a `required_providers` source: `aws` and `hashicorp/aws` are
    registry.terraform.io/hashicorp/aws."""
    parts = source.split("/")
    if len(parts) == 1:
        return f"{DEFAULT_REGISTRY}/hashicorp/{source}"
    return source if len(parts) == 3 else f"{DEFAULT_REGISTRY}/{source}"


def required_providers(configuration: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `terraform.required_providers` of a synthesized configuration (cdk.tf.json)."""
    found: dict[str, dict[str, Any]] = configuration.get("terraform", {}).get("required_providers", {})
    return found


def install(directory: Path, lock_file: Path | None = None) -> bool:
    """Copy the committed lock file into a stack directory whose configuration requires
    providers (removing a leftover one where it requires none); True when it was copied."""
    target = directory / LOCK_FILE_NAME
    try:
        configuration = json.loads((directory / "cdk.tf.json").read_text())
    except (OSError, ValueError):
        return False  # nothing synthesized here: Terraform's own error will say so
    if not required_providers(configuration):
        target.unlink(missing_ok=True)
        return False
    shutil.copyfile(lock_file or PROVIDER_LOCK, target)
    return True


def with_locked_providers(
    configuration: dict[str, Any], lock_file: Path | None = None
) -> tuple[dict[str, Any], list[str]]:
    """`configuration` (a last good one, recorded before a provider upgrade) with each provider
    the lock file pins required at the pinned version, and a line for each one changed.

    A rollback must run with the provider this checkout pins: the state it rolls back was
    written by it, and an older provider cannot read a resource schema a newer one wrote
    ("Resource instance managed by newer provider version"); only the provider changes, every
    resource stays as the record has it."""
    locked = locked_versions(lock_file)
    providers = required_providers(configuration)
    changed = {}
    lines = []
    for name, requirement in providers.items():
        address = provider_address(str(requirement.get("source", name)))
        version = locked.get(address)
        if version is not None and requirement.get("version") != version:
            changed[name] = {**requirement, "version": version}
            lines.append(
                f"providers: the last good configuration requires {address} {requirement.get('version')}; this "
                f"checkout pins {version} ({LOCK_FILE_NAME}), which wrote the state since: the rollback runs with "
                f"{version} (an older provider cannot read what a newer one wrote)"
            )
    if not changed:
        return configuration, []
    terraform = {**configuration["terraform"], "required_providers": {**providers, **changed}}
    return {**configuration, "terraform": terraform}, lines
