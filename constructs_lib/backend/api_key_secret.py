"""A Secrets Manager secret created by hand that holds one API key (the spec's two)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import DataAwsSecretsmanagerSecret
from constructs import Construct


@dataclass(frozen=True)
class ApiKeySecretProps:
    secret_name: str
    key: str


class ApiKeySecret(Construct):
    """Looks up an existing secret's metadata (DescribeSecret: never its value, never
    creates it).

    Exposes `arn` (the full secret ARN), `header` (the JSON key, used as the HTTP header
    name) and `value_from` (the ECS `secrets` reference to that JSON key, resolved by the
    ECS agent when a task starts). The key itself never enters a plan or the state.
    """

    def __init__(self, scope: Construct, id: str, *, props: ApiKeySecretProps) -> None:
        super().__init__(scope, id)
        self.secret = DataAwsSecretsmanagerSecret(self, "secret", name=props.secret_name)
        self.arn = self.secret.arn
        self.header = props.key
        self.value_from = f"{self.secret.arn}:{props.key}::"
