"""AWS for the tools: the one boto3 client factory (`Clients`), and a clear word before
Terraform starts when the credentials a workspace needs are absent (`missing_credentials`).

`Clients(config)` gives the clients of one environment: its region, short timeouts and
standard retries; against the emulator its endpoint and throwaway credentials, which are
moto's own account's (the operator's credentials, as the preflight's account check sees
them). `act_in_account=True` (the seed of another environment's world) reaches the
environment's account as on AWS, by assuming a role in it: moto files everything under
the account of the credentials. Without the
credentials check, `terraform init` of an S3 backend spends minutes probing for instance
metadata, and a `cloud` backend stops with an unhelpful prompt.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import CloudState, Emulator, EnvironmentConfig

DEFAULT_CONNECT_TIMEOUT_SECONDS = 5
DEFAULT_READ_TIMEOUT_SECONDS = 20
DEFAULT_MAX_ATTEMPTS = 3
# moto's own account for plain credentials; any other account is reached as on AWS, by
# assuming a role in it (the seed creates it, tools/emulator/seed.py).
EMULATOR_DEFAULT_ACCOUNT = "123456789012"
EMULATOR_ROLE_NAME = "dailydesk-emulator"


class Clients:
    """boto3 clients for one environment: the emulator's endpoint when the config names one
    (or `endpoint` says so), the default credential chain otherwise; the configured region
    unless `region` names another (the state bucket's). `overrides` stand in for named
    services (tests)."""

    def __init__(
        self,
        config: EnvironmentConfig,
        overrides: dict[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        act_in_account: bool = False,
    ) -> None:
        import boto3
        from botocore.config import Config

        self._config = config
        self._overrides = dict(overrides or {})
        self._endpoint = endpoint or (config.emulator.endpoint if config.emulator is not None else None)
        self._session = boto3.session.Session(region_name=region or config.region)
        self._botocore_config = Config(
            connect_timeout=DEFAULT_CONNECT_TIMEOUT_SECONDS,
            read_timeout=DEFAULT_READ_TIMEOUT_SECONDS,
            retries={"max_attempts": DEFAULT_MAX_ATTEMPTS, "mode": "standard"},
        )
        self._act_in_account = act_in_account
        self._credentials: dict[str, str] | None = None
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service in self._overrides:
            return self._overrides[service]
        if service not in self._cache:
            kwargs: dict[str, Any] = {"config": self._botocore_config}
            if self._endpoint is not None:
                kwargs.update(self.emulator_credentials(), endpoint_url=self._endpoint)
            self._cache[service] = self._session.client(service, **kwargs)
        return self._cache[service]

    def emulator_credentials(self) -> dict[str, str]:
        """boto3 credentials inside the emulator: moto's own account's, or with `act_in_account`
        the environment's account's."""
        if self._endpoint is None:
            raise ValueError(f"{self._config.name} is not in the emulator")
        if self._credentials is None:
            plain = Emulator.boto3_credentials()
            if not self._act_in_account or self._config.account_id == EMULATOR_DEFAULT_ACCOUNT:
                self._credentials = plain
            else:
                sts = self._session.client("sts", endpoint_url=self._endpoint, **plain)
                assumed = sts.assume_role(
                    RoleArn=f"arn:aws:iam::{self._config.account_id}:role/{EMULATOR_ROLE_NAME}",
                    RoleSessionName="dailydesk",
                )["Credentials"]
                self._credentials = {
                    "aws_access_key_id": assumed["AccessKeyId"],
                    "aws_secret_access_key": assumed["SecretAccessKey"],
                    "aws_session_token": assumed["SessionToken"],
                }
        return self._credentials


def emulator_client(service: str, endpoint: str, region: str) -> Any:
    """A client of the emulator at `endpoint` in moto's own account (tests, the emulator's tools)."""
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=region, **Emulator.boto3_credentials())


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


def missing_aws_credentials(config: EnvironmentConfig) -> list[str]:
    """What is missing to call AWS in `config`'s account; empty when all is there."""
    if config.is_emulated or _aws_credentials():
        return []
    return [
        f"no AWS credentials for account {config.account_id}: set AWS_PROFILE (e.g. after `aws sso login`) or "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; on an EC2/CI runner with an instance role set "
        "DAILYDESK_USE_INSTANCE_PROFILE=1"
    ]


def missing_credentials(config: EnvironmentConfig) -> list[str]:
    """What is missing to plan a workspace of `config` (its state backend's token too); empty
    when all is there."""
    if config.is_emulated:
        return []
    problems = []
    if isinstance(config.state, CloudState) and not _terraform_cloud_token(config.state.hostname):
        problems.append(
            f"no Terraform Cloud token for {config.state.hostname}: run `terraform login {config.state.hostname}` "
            f"or set TF_TOKEN_{config.state.hostname.replace('.', '_')}"
        )
    return problems + missing_aws_credentials(config)


def environment_for(name: str, doing: str) -> EnvironmentConfig | None:
    """The validated config of environment `name` for a command that reads AWS, or None after
    saying on stderr why not (an invalid environment file, or absent AWS credentials): `doing`
    is what the command cannot do then, e.g. "run the preflight". These commands (preflight,
    alarms, the API keys) run no Terraform, so no Terraform Cloud token is asked for: the
    scheduled API-key job of dev holds none (docs/operations/day-2.md)."""
    try:
        config = load_environment(name)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    problems = missing_aws_credentials(config)
    if problems:
        print(f"error: cannot {doing}:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return None
    return config
