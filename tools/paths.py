"""Where the project's files are: the one definition of the repository root and what lies under it."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# cdktf's output: cdktf.out/stacks/<stack>/cdk.tf.json, where Terraform runs.
DEFAULT_OUTDIR = REPO_ROOT / "cdktf.out"
# The Terraform CLI config `make setup` writes (provider mirror) and the provider cache.
TERRAFORM_CLI_CONFIG = REPO_ROOT / ".terraform.d" / "terraformrc"
TERRAFORM_PLUGIN_CACHE = REPO_ROOT / ".terraform.d" / "plugin-cache"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
