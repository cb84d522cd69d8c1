"""The EventBridge connections' API keys: copied from their secrets, compared, never shown.

    ./dailydesk sync-api-keys  --env prod     # make sync-api-keys ENV=prod
    ./dailydesk check-api-keys --env prod     # make check-api-keys ENV=prod (also part of make drift)

Terraform creates each connection of the backend with a placeholder instead of its API key
(`catalogue.Secret.placeholder`) and ignores the key afterwards, so no key is ever in a
plan, a state file or the synthesized JSON. The key reaches the connection here:

- `sync(config)` reads each key from its hand-made secret (GetSecretValue, the secret's
  JSON key) and, unless the connection already holds it, puts it into the connection with
  UpdateConnection (`AuthParameters.ApiKeyAuthParameters`; the header name is Terraform's,
  sent unchanged). Idempotent and cheap: an in-sync connection is not written. Run after
  every successful apply of the backend workspace (the deploy does), because any update
  of a connection by Terraform sends the placeholder again.
- `check(config)` compares each connection's key with its secret's: EventBridge keeps a
  connection's authorization in a secret of its own (DescribeConnection -> `SecretArn`).
  One row per connection: `in sync`, `differs`, `connection missing`, `secret missing`,
  or `error` (the check itself failed, e.g. a role that may not read secret values).

The connections are `catalogue.api_key_connections`, the same names the backend creates.
No value is printed, logged, written or put in an exception: values live in local
variables only and are compared as SHA-256 digests with `hmac.compare_digest`; messages
carry names, statuses and AWS error codes.

Exit codes (tools/deploy/exit_codes.py): check 0 all in sync, 2 a key differs or a connection
or its secret is missing (found), 8 a key could not be compared (cannot check) and nothing
was found; sync 0 all in sync, 1 otherwise; 1 when nothing could run (bad environment, no
credentials).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from config.schema import EnvironmentConfig
from tools.aws import Clients, environment_for
from tools.deploy import exit_codes
from tools.table import table
from workspace import catalogue

IN_SYNC, UPDATED, DIFFERS = "in sync", "updated", "differs"
CONNECTION_MISSING, SECRET_MISSING, ERROR = "connection missing", "secret missing", "error"
NOT_FOUND = "ResourceNotFoundException"
# EventBridge's layout of an API-key connection's secret (the key sits under this name).
CONNECTION_SECRET_VALUE_FIELD = "api_key_value"
HOLDS_PLACEHOLDER = "holds the placeholder Terraform created it with"
HOLDS_ANOTHER_KEY = "holds another key"
SYNC_HINT = "run make sync-api-keys"


@dataclass(frozen=True)
class Row:
    connection: str
    secret: str
    status: str
    detail: str = ""

    @property
    def in_sync(self) -> bool:
        return self.status in (IN_SYNC, UPDATED)


class ApiKeyError(Exception):
    """Some connection could not be synchronized; the message names each one and why."""

    def __init__(self, rows: list[Row]) -> None:
        failed = [row for row in rows if not row.in_sync]
        super().__init__(
            "API keys not synchronized: "
            + "; ".join(f"{row.connection} ({row.secret}): {row.status}, {row.detail}" for row in failed)
        )
        self.rows = rows


class _StopError(Exception):
    """One connection's step ended with `status`; `detail` holds names and codes only."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(status, detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class Connection:
    name: str
    secret: catalogue.Secret


def connections(config: EnvironmentConfig) -> list[Connection]:
    """This environment's API-key connections, named exactly as the backend names them."""
    namer = config.namer
    return [
        Connection(name, catalogue.SECRETS_BY_NAME[secret])
        for secret, name in catalogue.api_key_connections(config, namer).items()
    ]


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or type(error).__name__
    return type(error).__name__


def _call(status_if_missing: str, what: str, call: Any, **kwargs: Any) -> Any:
    """An AWS call whose errors become a `_StopError` with the error code (botocore's messages
    name the operation and resource; its parameter-validation messages may quote a value,
    so only the class name of a non-AWS error is kept)."""
    try:
        return call(**kwargs)
    except Exception as error:
        code = _code(error)
        status, detail = (status_if_missing, "not found") if code == NOT_FOUND else (ERROR, code)
    # Raised outside the handler, so the botocore error is not chained to it.
    raise _StopError(status, f"{what}: {detail}")


def _json_field(text: str | None, field: str) -> str | None:
    """`field` of a JSON object text, if it is a non-empty string. A parse error is not
    re-raised: `json.JSONDecodeError` keeps the whole document."""
    try:
        document = json.loads(text) if text else None
    except ValueError:
        document = None
    value = document.get(field) if isinstance(document, dict) else None
    return value if isinstance(value, str) and value else None


def _secret_key(clients: Clients, secret: catalogue.Secret) -> str:
    """The API key held in `secret` (its JSON key `secret.key`)."""
    manager = clients("secretsmanager")
    described = _call(SECRET_MISSING, f"secret {secret.name}", manager.describe_secret, SecretId=secret.name)
    if described.get("DeletedDate"):
        raise _StopError(SECRET_MISSING, f"secret {secret.name}: scheduled for deletion")
    response = _call(SECRET_MISSING, f"secret {secret.name}", manager.get_secret_value, SecretId=secret.name)
    key = _json_field(response.get("SecretString"), secret.key)
    if key is None:
        raise _StopError(SECRET_MISSING, f"secret {secret.name}: its JSON has no string key {secret.key!r}")
    return key


def _connection_secret_arn(clients: Clients, connection: Connection) -> str:
    described = _call(
        CONNECTION_MISSING, f"connection {connection.name}", clients("events").describe_connection, Name=connection.name
    )
    return str(described["SecretArn"])


def _connection_key(clients: Clients, connection: Connection, secret_arn: str) -> str | None:
    """The key the connection holds now (None if its secret holds none)."""
    response = _call(
        ERROR,
        f"the secret of connection {connection.name}",
        clients("secretsmanager").get_secret_value,
        SecretId=secret_arn,
    )
    return _json_field(response.get("SecretString"), CONNECTION_SECRET_VALUE_FIELD)


def _same(first: str | None, second: str | None) -> bool:
    if first is None or second is None:
        return False
    return hmac.compare_digest(hashlib.sha256(first.encode()).digest(), hashlib.sha256(second.encode()).digest())


def _compare(clients: Clients, connection: Connection) -> Row:
    key = _secret_key(clients, connection.secret)
    stored = _connection_key(clients, connection, _connection_secret_arn(clients, connection))
    if _same(key, stored):
        return Row(connection.name, connection.secret.name, IN_SYNC)
    detail = HOLDS_PLACEHOLDER if stored == connection.secret.placeholder else HOLDS_ANOTHER_KEY
    return Row(connection.name, connection.secret.name, DIFFERS, detail)


def check(config: EnvironmentConfig, clients: Clients | None = None) -> list[Row]:
    """One row per connection: does it hold its secret's key? Never raises for AWS errors."""
    clients = clients or Clients(config)
    rows = []
    for connection in connections(config):
        try:
            rows.append(_compare(clients, connection))
        except _StopError as stop:
            rows.append(Row(connection.name, connection.secret.name, stop.status, stop.detail))
    return rows


def _sync_one(clients: Clients, connection: Connection) -> Row:
    key = _secret_key(clients, connection.secret)
    secret_arn = _connection_secret_arn(clients, connection)
    try:
        stored = _connection_key(clients, connection, secret_arn)
    except _StopError:
        stored = None  # not readable with these credentials: write it, that is idempotent too
    if _same(key, stored):
        return Row(connection.name, connection.secret.name, IN_SYNC)
    parameters = {"ApiKeyAuthParameters": {"ApiKeyName": connection.secret.key, "ApiKeyValue": key}}
    _call(
        CONNECTION_MISSING,
        f"connection {connection.name}",
        clients("events").update_connection,
        Name=connection.name,
        AuthParameters=parameters,
    )
    return Row(connection.name, connection.secret.name, UPDATED, f"key of secret {connection.secret.name} put in")


def configured_connections(configuration: dict[str, Any]) -> frozenset[str]:
    """The names of the EventBridge connections a synthesized configuration creates."""
    resources = configuration.get("resource", {}).get("aws_cloudwatch_event_connection", {})
    return frozenset(body["name"] for body in resources.values() if isinstance(body.get("name"), str))


def sync(config: EnvironmentConfig, clients: Clients | None = None, *, only: frozenset[str] | None = None) -> list[Row]:
    """Put each secret's key into its connection (only where it differs). Returns one row
    per connection; raises `ApiKeyError` (naming each failed connection, never a value)
    when any could not be synchronized. `only`: the connections of the configuration just
    applied (a rollback's), where that is not the current code's."""
    clients = clients or Clients(config)
    rows = []
    for connection in connections(config):
        if only is not None and connection.name not in only:
            continue
        try:
            rows.append(_sync_one(clients, connection))
        except _StopError as stop:
            rows.append(Row(connection.name, connection.secret.name, stop.status, stop.detail))
    if not all(row.in_sync for row in rows):
        raise ApiKeyError(rows)
    return rows


def render(rows: list[Row]) -> str:
    lines = table(
        ("CONNECTION", "SECRET", "STATUS", "DETAIL"),
        [(r.connection, r.secret, r.status, r.detail or "-") for r in rows],
    )
    if any(row.status == DIFFERS for row in rows):
        lines.append(f"\n{SYNC_HINT} ENV=<env> puts each secret's key into its connection")
    return "\n".join(lines)


def check_exit_code(rows: list[Row]) -> int:
    """FOUND when a key differs or a connection or its secret is missing; else CANNOT_CHECK
    when a key could not be compared (e.g. a role that may not read secret values); OK when
    every connection holds its secret's key."""
    if any(row.status not in (IN_SYNC, ERROR) for row in rows):
        return exit_codes.FOUND
    return exit_codes.CANNOT_CHECK if any(row.status == ERROR for row in rows) else exit_codes.OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("sync", "check"))
    parser.add_argument("--env", required=True, help="environment name (config/environments/<env>.toml)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    args = parser.parse_args(argv)
    config = environment_for(args.env, f"{args.action} the API keys")
    if config is None:
        return exit_codes.ERROR
    if args.action == "sync":
        try:
            rows = sync(config)
            code = exit_codes.OK
        except ApiKeyError as error:
            rows, code = error.rows, exit_codes.ERROR
    else:
        rows = check(config)
        code = check_exit_code(rows)
    print(render(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as output:
            output.write(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
