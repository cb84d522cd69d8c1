"""EventBridge connections: the auth secret is never echoed and UpdateConnection rewrites it."""

import json

import pytest

from tests.emulator import aws

pytestmark = pytest.mark.emulator


def raw_describe(events, name: str) -> str:
    """The DescribeConnection response body as it came over the wire (the SDK's parsed
    result drops fields its model does not know, so it cannot show an echoed value)."""
    bodies: list[str] = []
    handler = lambda http_response, **_: bodies.append(http_response.text)  # noqa: E731
    events.meta.events.register("after-call.events.DescribeConnection", handler)
    try:
        events.describe_connection(Name=name)
    finally:
        events.meta.events.unregister("after-call.events.DescribeConnection", handler)
    return bodies[0]


def test_describe_connection_never_returns_a_secret_value(emulator_endpoint):
    events = aws("events", emulator_endpoint)
    events.create_connection(
        Name="patch-describe",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-on-the-wire"},
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "x-secret", "Value": "header-on-the-wire", "IsValueSecret": True},
                    {"Key": "x-plain", "Value": "plain-header", "IsValueSecret": False},
                ]
            },
        },
    )
    body = raw_describe(events, "patch-describe")
    assert "key-on-the-wire" not in body and "header-on-the-wire" not in body
    described = json.loads(body)
    assert described["AuthParameters"]["ApiKeyAuthParameters"] == {"ApiKeyName": "x-api-key"}
    assert described["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"] == [
        {"Key": "x-secret", "IsValueSecret": True},
        {"Key": "x-plain", "Value": "plain-header", "IsValueSecret": False},
    ]
    # Where the values do live: the connection's own secret.
    secret = aws("secretsmanager", emulator_endpoint).get_secret_value(SecretId=described["SecretArn"])
    assert json.loads(secret["SecretString"])["api_key_value"] == "key-on-the-wire"


def test_update_connection_writes_a_new_current_version_of_its_secret(emulator_endpoint):
    events, secrets = aws("events", emulator_endpoint), aws("secretsmanager", emulator_endpoint)
    events.create_connection(
        Name="patch-update",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "placeholder"}},
    )
    secret_arn = events.describe_connection(Name="patch-update")["SecretArn"]
    before = secrets.get_secret_value(SecretId=secret_arn)["VersionId"]

    # Only the value: the header name is kept (merged, not replaced).
    events.update_connection(Name="patch-update", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "rotated"}})

    current = secrets.get_secret_value(SecretId=secret_arn)
    assert json.loads(current["SecretString"]) == {"api_key_name": "x-api-key", "api_key_value": "rotated"}
    assert current["VersionId"] != before
    previous = secrets.get_secret_value(SecretId=secret_arn, VersionStage="AWSPREVIOUS")
    assert json.loads(previous["SecretString"])["api_key_value"] == "placeholder"
    described = events.describe_connection(Name="patch-update")
    assert described["AuthParameters"]["ApiKeyAuthParameters"] == {"ApiKeyName": "x-api-key"}
    assert described["SecretArn"] == secret_arn


def test_update_of_a_missing_connection_is_not_found(emulator_endpoint):
    events = aws("events", emulator_endpoint)
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.update_connection(Name="patch-absent", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "v"}})
