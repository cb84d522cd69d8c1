"""EventBridge: a connection's authorization lives in its secret and is never echoed."""

from __future__ import annotations

import json
from typing import Any

from tools.emulator.patches import patch

# Fields of a connection's auth parameters that AWS accepts but never returns.
_SECRET_FIELDS = frozenset({"ApiKeyValue", "Password", "ClientSecret"})


def _without_secret_values(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("IsValueSecret"):
            value = {key: item for key, item in value.items() if key != "Value"}
        return {key: _without_secret_values(item) for key, item in value.items() if key not in _SECRET_FIELDS}
    if isinstance(value, list):
        return [_without_secret_values(item) for item in value]
    return value


@patch("events", "DescribeConnection")
def describe_connection_hides_secret_values() -> None:
    """DescribeConnection returns a connection's auth parameters without their secret
    values (`ApiKeyValue`, a basic-auth `Password`, an OAuth `ClientSecret`, and the
    `Value` of every invocation parameter marked `IsValueSecret`), as AWS does: the values
    live only in the connection's Secrets Manager secret (`SecretArn`).

    moto echoed the API key in the response body. The SDKs drop the field, but the key was
    on the wire to every caller that may describe a connection, which AWS never allows.
    """
    from moto.events.models import Connection

    original = Connection.describe

    def describe(self: Connection) -> dict[str, Any]:
        return {**original(self), "AuthParameters": _without_secret_values(self.auth_parameters)}

    setattr(Connection, "describe", describe)


@patch("events", "UpdateConnection")
def update_connection_writes_its_secret() -> None:
    """UpdateConnection merges the given `AuthParameters` into the connection's (a field
    left out keeps its value, e.g. the API key's header name) and stores the result as a
    new current version of the connection's secret, as AWS does.

    moto replaced the parameters in memory only: the secret EventBridge reads when it calls
    an API destination kept the old key, so `tools.api_keys sync` changed nothing that an
    invocation (or `tools.api_keys check`) would see.
    """
    from moto.events.exceptions import ResourceNotFoundException
    from moto.events.models import Connection, EventsBackend
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.utilities.utils import CamelToUnderscoresWalker

    def secret_string(auth_parameters: dict[str, Any]) -> str:
        # The layout moto's CreateConnection writes (and AWS's): one flat snake_case object.
        flat: dict[str, Any] = {}
        for key, value in auth_parameters.items():
            flat.update({key: value} if key == "InvocationHttpParameters" else value)
        return json.dumps(CamelToUnderscoresWalker.parse(flat))

    def update_connection(self: EventsBackend, name: str, **kwargs: Any) -> dict[str, Any]:
        connection: Connection | None = self.connections.get(name)
        if connection is None:
            raise ResourceNotFoundException(f"Connection '{name}' does not exist.")
        for attribute in ("description", "authorization_type"):
            if kwargs.get(attribute) is not None:
                setattr(connection, attribute, kwargs[attribute])
        updates = kwargs.get("auth_parameters")
        if updates:
            merged = dict(connection.auth_parameters)
            for key, value in updates.items():
                merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
            connection.auth_parameters = merged
            secrets: Any = secretsmanager_backends[self.account_id][self.region_name]
            # moto annotates these as str, but takes None for "not given" (as its own responses do).
            secrets.put_secret_value(
                secret_id=connection.secret_arn,
                secret_string=secret_string(merged),
                secret_binary=None,
                client_request_token=None,
                version_stages=["AWSCURRENT"],
            )
        return connection.describe_short()

    setattr(EventsBackend, "update_connection", update_connection)
