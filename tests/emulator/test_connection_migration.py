"""The runbook for an environment deployed before the connections got a placeholder
(docs/operations/day-2.md, "Moving an environment deployed before this change"), proven
on one connection in a private workspace: the old key stays in the state under the new
configuration, and `terraform state rm` + `terraform import` takes it out without a change.

The workspace is the synthesized parent-local's provider and backend with a single
connection (a connection has no fixed provider wait: seconds, not minutes).
"""

from __future__ import annotations

import contextlib
import copy
import json

import pytest

from tests import terraform_runs as terraform
from tests.emulator.parent_workspace import ParentWorkspace, client
from workspace.catalogue import CONNECTION_API_KEY_ATTRIBUTE

pytestmark = pytest.mark.emulator

ADDRESS = "aws_cloudwatch_event_connection.connection"
NAME = "dailydesk-local-migration-check"
OLD_KEY = "old-key-that-terraform-used-to-send-5c1f"
PLACEHOLDER = "set-by-deploy:migration-check"


def with_connection(document: dict, value: str, *, ignore_value: bool) -> dict:
    document = copy.deepcopy(document)
    connection = {
        "name": NAME,
        "authorization_type": "API_KEY",
        "auth_parameters": {"api_key": {"key": "x-api-key", "value": value}},
    }
    if ignore_value:
        connection["lifecycle"] = {"ignore_changes": [CONNECTION_API_KEY_ATTRIBUTE]}
    document["resource"] = {"aws_cloudwatch_event_connection": {"connection": connection}}
    document.pop("output", None)
    return document


def test_state_rm_and_import_take_the_old_key_out_of_the_state(tmp_path_factory):
    workspace = ParentWorkspace(tmp_path_factory.mktemp("migration"))
    try:
        base = workspace.document()
        workspace.use(with_connection(base, OLD_KEY, ignore_value=False))
        terraform.apply(workspace.directory)
        assert OLD_KEY in workspace.state_file.read_text()

        # The new configuration: no change planned, and the old key stays in the state.
        workspace.use(with_connection(base, PLACEHOLDER, ignore_value=True))
        assert terraform.plan(workspace.directory, "after.tfplan") == terraform.NO_CHANGES
        assert OLD_KEY in workspace.state_file.read_text()

        terraform.run(workspace.directory, "state", "rm", ADDRESS)
        terraform.run(workspace.directory, "import", "-input=false", ADDRESS, NAME)
        assert OLD_KEY not in workspace.state_file.read_text()
        assert terraform.plan(workspace.directory, "imported.tfplan") == terraform.NO_CHANGES
        assert OLD_KEY not in json.dumps(terraform.show_json(workspace.directory, "imported.tfplan"))
        # AWS was not touched: the connection keeps its key until `make sync-api-keys`.
        events, secrets = client("events", workspace.config), client("secretsmanager", workspace.config)
        arn = events.describe_connection(Name=NAME)["SecretArn"]
        assert json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])["api_key_value"] == OLD_KEY
    finally:
        events = client("events", workspace.config)
        with contextlib.suppress(events.exceptions.ResourceNotFoundException):
            events.delete_connection(Name=NAME)
