"""Keys of every stack: explicit policies, rotation, and the log groups' customer-managed key."""

from __future__ import annotations

import pytest

from config import load_environment
from tests.configs import STACKS, stacks_of
from tests.synth import body, ref, resources, statements

WORKSPACES_WITH_LOGS = [name for name in STACKS if not name.startswith("parent-")]


@pytest.mark.parametrize("name", STACKS)
def test_every_key_rotates_and_has_an_explicit_policy(synthesized, name):
    keys = resources(synthesized[name], "aws_kms_key")
    assert keys
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["policy"].startswith("${data.aws_iam_policy_document.")


@pytest.mark.parametrize(
    ("name", "groups"),
    [(name, 3) for name in stacks_of("backend")] + [(name, 2) for name in stacks_of("frontend")],
)
def test_every_log_group_is_encrypted_with_the_workspace_logs_key(synthesized, name, groups):
    """backend: the API's group and the image-build and migrations projects' groups;
    frontend: the build and deploy projects' groups."""
    stack = synthesized[name]
    found = resources(stack, "aws_cloudwatch_log_group")
    assert len(found) == groups
    key = ref(stack, "aws_kms_key", "/logs-key/key", "arn")
    assert {group["kms_key_id"] for group in found.values()} == {key}


@pytest.mark.parametrize("name", WORKSPACES_WITH_LOGS)
def test_logs_key_serves_cloudwatch_logs_for_this_accounts_log_groups_only(synthesized, name):
    stack = synthesized[name]
    layer, env = name.split("-", 1)
    config = load_environment(env)
    assert body(stack, "aws_kms_alias", "/logs-key/alias")["name"] == f"alias/dailydesk-{env}-{layer}-logs"
    found = statements(stack, "/logs-key/policy")
    assert set(found) == {"AccountAdministersKey", "LogsEncryptOwnLogGroups"}
    logs = found["LogsEncryptOwnLogGroups"]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.us-east-1.amazonaws.com"]}]
    assert logs["actions"] == [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]
    assert logs["condition"] == [
        {
            "test": "ArnLike",
            "variable": "kms:EncryptionContext:aws:logs:arn",
            "values": [f"arn:aws:logs:us-east-1:{config.account_id}:log-group:*"],
        }
    ]
    key = body(stack, "aws_kms_key", "/logs-key/key")
    assert key["lifecycle"]["prevent_destroy"] is config.protection.prevent_destroy
