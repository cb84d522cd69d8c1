"""Say clearly, before Terraform starts, when the credentials a workspace needs are absent.

Without this, `terraform init` of an S3 backend spends minutes probing for instance
metadata, and a `cloud` backend stops with an unhelpful prompt.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from config import ConfigError, load_environment
from config.schema import CloudState, EnvironmentConfig


def _terraform_cloud_token(hostname: str) -> bool:
    variable = "TF_TOKEN_" + hostname.replace(".", "_").replace("-", "__")
    if os.environ.get(variable):
        return True
    credentials = Path(os.environ.get("TF_CLI_CREDENTIALS_FILE", "~/.terraform.d/credentials.tfrc.json")).expanduser()
    try:
        return hostname in json.loads(credentials.read_text()).get("credentials", {})
    except (OSError, ValueError):
        return False


def _aws_credentials() -> bool:
    import botocore.session

    session = botocore.session.get_session()
    # Instance metadata is the slow probe; only ask it where the operator says it exists.
    if os.environ.get("AWS_EC2_METADATA_DISABLED") is None and not os.environ.get("DAILYDESK_USE_INSTANCE_PROFILE"):
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        return session.get_credentials() is not None
    except Exception:
        return False


def missing_credentials(config: EnvironmentConfig) -> list[str]:
    """What is missing to plan a workspace of `config`; empty when all is there."""
    if config.emulator is not None:
        return []
    problems = []
    if isinstance(config.state, CloudState) and not _terraform_cloud_token(config.state.hostname):
        problems.append(
            f"no Terraform Cloud token for {config.state.hostname}: run `terraform login {config.state.hostname}` "
            f"or set TF_TOKEN_{config.state.hostname.replace('.', '_')}"
        )
    if not _aws_credentials():
        problems.append(
            f"no AWS credentials for account {config.account_id}: set AWS_PROFILE (e.g. after `aws sso login`) or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; on an EC2/CI runner with an instance role set "
            "DAILYDESK_USE_INSTANCE_PROFILE=1"
        )
    return problems


def environment_for(name: str, doing: str) -> EnvironmentConfig | None:
    """The validated config of environment `name` for a command that reads AWS, or None after
    saying on stderr why not (an invalid environment file, or absent credentials): `doing` is
    what the command cannot do then, e.g. "run the preflight"."""
    try:
        config = load_environment(name)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    problems = missing_credentials(config)
    if problems:
        print(f"error: cannot {doing}:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return None
    return config
