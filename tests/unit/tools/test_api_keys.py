"""`tools.api_keys`: the connections are the stack's, sync writes only what differs, check
names each state, and no key ever reaches a row, a table, an exception or the output."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from config import load_environment
from config.schema import ENVIRONMENT_NAMES, CloudState
from tests.synth import resources
from tools import api_keys
from tools.aws import Clients
from tools.deploy import exit_codes
from workspace.catalogue import SECRETS_BY_NAME

# Recognisable key values: any of them in an output is a leak.
KEYS = {"technician-scheduler": "tech-KEY-0f9e8d7c", "send-review-to-customer": "sms-KEY-1a2b3c4d"}


def not_found(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, operation)


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, operation)


class World:
    """Secrets Manager and EventBridge as the tool sees them: hand-made secrets by name,
    connections by name, each with a secret of its own (by ARN) in EventBridge's layout."""

    def __init__(self, config) -> None:
        self.secrets: dict[str, str] = {}
        self.connections: dict[str, str] = {}
        self.updates: list[dict] = []
        self.denied: set[str] = set()
        for connection in api_keys.connections(config):
            secret = connection.secret
            self.secrets[secret.name] = json.dumps({secret.key: KEYS[secret.name]})
            arn = f"arn:aws:secretsmanager:us-east-1:1:secret:events!connection/{connection.name}/id"
            self.connections[connection.name] = arn
            self.secrets[arn] = json.dumps({"api_key_name": secret.key, "api_key_value": secret.placeholder})

    # secretsmanager
    def describe_secret(self, **request):
        if request["SecretId"] not in self.secrets:
            raise not_found("DescribeSecret")
        return {"Name": request["SecretId"]}

    def get_secret_value(self, **request):
        secret_id = request["SecretId"]
        if secret_id in self.denied:
            raise denied("GetSecretValue")
        if secret_id not in self.secrets:
            raise not_found("GetSecretValue")
        return {"SecretString": self.secrets[secret_id]}

    # events
    def describe_connection(self, **request):
        if request["Name"] not in self.connections:
            raise not_found("DescribeConnection")
        return {"Name": request["Name"], "SecretArn": self.connections[request["Name"]]}

    def update_connection(self, **request):
        name = request["Name"]
        if name not in self.connections:
            raise not_found("UpdateConnection")
        self.updates.append(request)
        parameters = request["AuthParameters"]["ApiKeyAuthParameters"]
        self.secrets[self.connections[name]] = json.dumps(
            {"api_key_name": parameters["ApiKeyName"], "api_key_value": parameters["ApiKeyValue"]}
        )
        return {}

    def clients(self, config):
        return Clients(config, overrides={"secretsmanager": self, "events": self})


@pytest.fixture
def prod():
    return load_environment("prod")


@pytest.fixture
def world(prod):
    return World(prod)


def shown(rows) -> str:
    """Everything a caller could print or store of the rows."""
    return api_keys.render(rows) + json.dumps([row.__dict__ for row in rows])


def assert_no_key_in(text: str) -> None:
    for key in KEYS.values():
        assert key not in text


@pytest.mark.parametrize("env", ENVIRONMENT_NAMES)
def test_the_connections_are_the_ones_the_backend_creates(synthesized, env):
    created = {
        body["name"]: body["auth_parameters"]["api_key"]
        for body in resources(synthesized[f"backend-{env}"], "aws_cloudwatch_event_connection").values()
    }
    listed = api_keys.connections(load_environment(env))
    assert sorted(c.name for c in listed) == sorted(created)
    for connection in listed:
        assert created[connection.name] == {"key": connection.secret.key, "value": connection.secret.placeholder}


def test_sync_puts_each_key_in_and_a_second_sync_writes_nothing(prod, world):
    rows = api_keys.sync(prod, world.clients(prod))
    assert [(r.secret, r.status) for r in rows] == [
        ("send-review-to-customer", "updated"),
        ("technician-scheduler", "updated"),
    ]
    # The header name goes with the key, unchanged (it is Terraform's).
    assert [u["AuthParameters"]["ApiKeyAuthParameters"]["ApiKeyName"] for u in world.updates] == [
        "x-api-key-send-sms",
        "x-api-key",
    ]
    assert [(r.status, r.detail) for r in api_keys.check(prod, world.clients(prod))] == [("in sync", "")] * 2
    world.updates.clear()
    again = api_keys.sync(prod, world.clients(prod))
    assert {r.status for r in again} == {"in sync"}
    assert world.updates == []
    assert_no_key_in(shown(rows + again))


def test_check_names_each_state_without_a_value(prod, world):
    rows = {r.secret: r for r in api_keys.check(prod, world.clients(prod))}
    assert (rows["technician-scheduler"].status, rows["technician-scheduler"].detail) == (
        "differs",
        "holds the placeholder Terraform created it with",
    )
    api_keys.sync(prod, world.clients(prod))
    # Rotated in the secret, not yet in the connection.
    world.secrets["technician-scheduler"] = json.dumps({"x-api-key": "tech-KEY-rotated"})
    rows = {r.secret: r for r in api_keys.check(prod, world.clients(prod))}
    assert (rows["technician-scheduler"].status, rows["technician-scheduler"].detail) == (
        "differs",
        "holds another key",
    )
    assert rows["send-review-to-customer"].status == "in sync"
    assert api_keys.check_exit_code(list(rows.values())) == 2
    assert "tech-KEY-rotated" not in shown(list(rows.values()))


def test_missing_connection_and_missing_secret(prod, world):
    del world.connections["dailydesk-prod-technician-scheduler"]
    del world.secrets["send-review-to-customer"]
    rows = {r.secret: r for r in api_keys.check(prod, world.clients(prod))}
    assert (rows["technician-scheduler"].status, rows["technician-scheduler"].detail) == (
        "connection missing",
        "connection dailydesk-prod-technician-scheduler: not found",
    )
    assert (rows["send-review-to-customer"].status, rows["send-review-to-customer"].detail) == (
        "secret missing",
        "secret send-review-to-customer: not found",
    )
    assert api_keys.check_exit_code(list(rows.values())) == exit_codes.FOUND  # found, not "could not check"


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({"other-key": KEYS["technician-scheduler"]}),
        json.dumps({"x-api-key": 12345}),
        json.dumps({"x-api-key": ""}),
        "not json " + KEYS["technician-scheduler"],
    ],
)
def test_a_secret_without_its_string_key_is_named_and_never_quoted(prod, world, value):
    world.secrets["technician-scheduler"] = value
    with pytest.raises(api_keys.ApiKeyError) as caught:
        api_keys.sync(prod, world.clients(prod))
    message = str(caught.value)
    assert "dailydesk-prod-technician-scheduler (technician-scheduler): secret missing" in message
    assert "its JSON has no string key 'x-api-key'" in message
    assert_no_key_in(message + shown(caught.value.rows))
    assert "12345" not in message
    # Nothing chained to the error could carry the document (a JSONDecodeError keeps it).
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    # The other connection was still synchronized.
    assert [u["Name"] for u in world.updates] == ["dailydesk-prod-send-review-to-customer"]


def test_a_role_that_may_not_read_values_gets_an_error_row_not_a_verdict(prod, world):
    world.denied.add("technician-scheduler")
    rows = {r.secret: r for r in api_keys.check(prod, world.clients(prod))}
    assert (rows["technician-scheduler"].status, rows["technician-scheduler"].detail) == (
        "error",
        "secret technician-scheduler: AccessDeniedException",
    )


def test_sync_writes_when_the_connection_secret_cannot_be_read(prod, world):
    world.denied.update(world.connections.values())
    rows = api_keys.sync(prod, world.clients(prod))
    assert {r.status for r in rows} == {"updated"}
    assert len(world.updates) == 2


def test_a_rejected_update_keeps_the_value_out_of_the_error(prod, world):
    def reject(**kwargs):
        # botocore quotes the offending value in its validation messages.
        raise ParamValidationError(report=f"Invalid value {kwargs['AuthParameters']}")

    world.update_connection = reject
    with pytest.raises(api_keys.ApiKeyError) as caught:
        api_keys.sync(prod, world.clients(prod))
    assert "connection dailydesk-prod-technician-scheduler: ParamValidationError" in str(caught.value)
    assert_no_key_in(str(caught.value) + shown(caught.value.rows))


def test_the_command_prints_the_table_and_no_value(prod, world, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(api_keys, "Clients", world.clients)
    monkeypatch.setattr("tools.aws.missing_aws_credentials", lambda config: [])
    report = tmp_path / "keys.json"
    assert api_keys.main(["check", "--env=prod", f"--json={report}"]) == 2
    assert api_keys.main(["sync", "--env=prod"]) == 0
    assert api_keys.main(["check", "--env=prod"]) == 0
    printed = capsys.readouterr()
    assert "dailydesk-prod-technician-scheduler" in printed.out and "in sync" in printed.out
    assert_no_key_in(printed.out + printed.err + report.read_text())
    assert {row["status"] for row in json.loads(report.read_text())} == {"differs"}


def test_the_key_commands_of_a_terraform_cloud_environment_need_no_terraform_cloud_token(monkeypatch, capsys):
    """They call AWS only: the scheduled key job of dev (the `dev-keys` GitHub environment, the
    keys role) holds AWS credentials and no Terraform Cloud token. Commands that run Terraform
    still ask for the token."""
    from tools import aws

    dev = load_environment("dev")
    assert isinstance(dev.state, CloudState)
    monkeypatch.setattr(aws, "_aws_credentials", lambda: True)
    monkeypatch.delenv("TF_TOKEN_" + dev.state.hostname.replace(".", "_"), raising=False)
    monkeypatch.setenv("TF_CLI_CREDENTIALS_FILE", "/nonexistent/credentials.tfrc.json")
    assert aws.environment_for("dev", "check the API keys") == dev
    assert "Terraform Cloud token" in " ".join(aws.missing_credentials(dev))
    monkeypatch.setattr(aws, "_aws_credentials", lambda: False)
    assert aws.environment_for("dev", "check the API keys") is None
    assert "no AWS credentials for account" in capsys.readouterr().err


def test_placeholders_are_plainly_not_keys():
    for secret in SECRETS_BY_NAME.values():
        assert secret.placeholder == f"set-by-deploy:{secret.name}"


def test_a_key_that_could_not_be_checked_is_not_reported_as_a_difference():
    """`check-api-keys` exits FOUND for what it did find, CANNOT_CHECK when it found nothing
    but could not compare a key, never "differs" for a key it could not read."""
    checked = api_keys.Row("dailydesk-prod-technician-scheduler", "technician-scheduler", api_keys.IN_SYNC)
    unreadable = api_keys.Row("dailydesk-prod-send-sms", "send-review-to-customer", api_keys.ERROR, "AccessDenied")
    differs = api_keys.Row("dailydesk-prod-send-sms", "send-review-to-customer", api_keys.DIFFERS)
    assert api_keys.check_exit_code([checked]) == exit_codes.OK == 0
    assert api_keys.check_exit_code([checked, differs]) == exit_codes.FOUND == 2
    assert api_keys.check_exit_code([differs, unreadable]) == exit_codes.FOUND == 2
    assert api_keys.check_exit_code([checked, unreadable]) == exit_codes.CANNOT_CHECK == 8
