"""What the API container is told: plain settings as environment variables, secrets as references.

Every sensitive parameter (the 9 `Manual` ones and the CDK SecureStrings) and both API-key
secrets reach the container through ECS `secrets` (`valueFrom` = ARN): the ECS agent
resolves them at task start, so no value ever enters the task definition, a plan or state.

Composition, not a construct: it reads the parent's outputs (remote state) and creates
nothing, so it sits beside its one user, `api`.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.backend.api_key_secret import ApiKeySecret
from workspace.catalogue import CATALOGUE, Parameter
from workspace.outputs import ParentOutputs


def variable_name(spec_name: str) -> str:
    """Environment variable of a catalogue parameter: `rds/password` -> `RDS_PASSWORD`."""
    return spec_name.upper().replace("/", "_").replace("-", "_")


def secret_parameters() -> tuple[Parameter, ...]:
    """Catalogue entries injected as secrets: every sensitive one (all Manual, some CDK)."""
    return tuple(p for p in CATALOGUE if p.sensitive)


@dataclass(frozen=True)
class ApiSettings:
    environment: tuple[tuple[str, str], ...]
    secrets: tuple[tuple[str, str], ...]
    secret_parameter_arns: tuple[str, ...]


def api_settings(
    *,
    parent: ParentOutputs,
    region: str,
    container_port: int,
    redis_endpoint: str,
    redis_port: int,
    api_keys: dict[str, ApiKeySecret],
) -> ApiSettings:
    parameter_arns = tuple(parent.parameter_arn(p.name) for p in secret_parameters())
    environment = (
        ("NODE_ENV", "production"),
        ("PORT", str(container_port)),
        ("AWS_REGION", region),
        # The app loads the rest of its configuration with ssm:GetParametersByPath here.
        ("PARAMETER_PREFIX", parent.string("parameter_prefix")),
        ("REDIS_HOST", redis_endpoint),
        ("REDIS_PORT", str(redis_port)),
        ("REDIS_TLS", "true"),
        # The external RDS: connection settings only; its password is an injected secret.
        ("RDS_HOST", parent.parameter_value("rds/host")),
        ("RDS_PORT", parent.parameter_value("rds/port")),
        ("RDS_DAILYDESK_NAME", parent.parameter_value("rds/dailydesk/name")),
        ("LOGS_LOG_GROUP", parent.string("log_group_name")),
        ("LOGS_LOG_STREAM", parent.string("log_stream_name")),
    )
    secrets = tuple(
        (variable_name(p.name), arn) for p, arn in zip(secret_parameters(), parameter_arns, strict=True)
    ) + tuple((f"{variable_name(name)}_API_KEY", secret.value_from) for name, secret in sorted(api_keys.items()))
    return ApiSettings(environment=environment, secrets=secrets, secret_parameter_arns=parameter_arns)
