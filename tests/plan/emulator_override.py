"""Point a copy of a real environment's stack at the emulator, for plan tests only.

Terraform merges `*_override.tf.json` files over the configuration: the synthesized JSON
stays exactly what production gets, and only the copy in the test's directory talks to
the emulator (provider endpoints; the local backend instead of S3/cloud; the parent's
remote state read from the sibling local state file).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from config.schema import EnvironmentConfig
from workspace.providers import emulator_settings

OVERRIDE_FILE = "emulator_override.tf.json"


def emulator_role_arn(config: EnvironmentConfig) -> str:
    return f"arn:aws:iam::{config.account_id}:role/dailydesk-emulator"


def copy_stack(source: Path, repo: Path) -> Path:
    target = repo / "cdktf.out" / "stacks" / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".terraform", "*.tfplan"))
    return target


def point_at_emulator(stack_dir: Path, config: EnvironmentConfig, endpoint: str) -> None:
    synthesized = json.loads((stack_dir / "cdk.tf.json").read_text())
    (provider,) = synthesized["provider"]["aws"]
    # The `local` provider's emulator settings (workspace.providers), for this endpoint.
    emulated = emulator_settings(endpoint)
    override: dict = {
        "provider": {
            "aws": {
                **emulated,
                "endpoints": [emulated["endpoints"]],
                # moto serves another account to credentials from AssumeRole into a role
                # of that account: the environment's own account, as on AWS.
                "assume_role": [{"role_arn": emulator_role_arn(config), "session_name": "plan-test"}],
                "default_tags": provider["default_tags"],
            }
        },
        "terraform": {"backend": {"local": {"path": f"../../../state/{stack_dir.name}.tfstate"}}},
    }
    readers = synthesized.get("data", {}).get("terraform_remote_state", {})
    if readers:
        override["data"] = {
            "terraform_remote_state": {
                name: {"backend": "local", "config": {"path": f"../../../state/parent-{config.name}.tfstate"}}
                for name in readers
            }
        }
    (stack_dir / OVERRIDE_FILE).write_text(json.dumps(override, indent=2))
