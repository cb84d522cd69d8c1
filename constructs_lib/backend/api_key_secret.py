"""A Secrets Manager secret created by hand that holds one API key (the spec's two)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret_version import DataAwsSecretsmanagerSecretVersion
from constructs import Construct


@dataclass(frozen=True)
class ApiKeySecretProps:
    secret_name: str
    key: str


class ApiKeySecret(Construct):
    """Reads the current version of an existing secret (never creates it).

    The value enters this workspace's state (the EventBridge connection needs it), so the
    state is sensitive. Exposes `arn` (the full secret ARN), `header` (the JSON key, used as
    the HTTP header name), `value` (the key itself) and `value_from` (ECS `secrets` reference
    to that JSON key).
    """

    def __init__(self, scope: Construct, id: str, *, props: ApiKeySecretProps) -> None:
        super().__init__(scope, id)
        self.version = DataAwsSecretsmanagerSecretVersion(self, "version", secret_id=props.secret_name)
        self.arn = self.version.arn
        self.header = props.key
        self.value = Token.as_string(Fn.lookup(Fn.jsondecode(self.version.secret_string), props.key))
        self.value_from = f"{self.version.arn}:{props.key}::"
