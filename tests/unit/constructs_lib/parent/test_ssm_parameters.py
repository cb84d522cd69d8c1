"""The parameters' KMS key: an explicit key policy, and the same key (moved, not replaced)."""

import pytest

from config import load_environment
from tests.configs import ENVIRONMENTS
from tests.synth import body, entry, ref, resources, statements
from workspace.naming import logical_id


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_parameters_key_has_an_explicit_policy_of_the_account_only(synthesized, env):
    stack, config = synthesized[f"parent-{env}"], load_environment(env)
    key = body(stack, "aws_kms_key", "parameters/key/key")
    assert key["policy"] == ref(stack, "aws_iam_policy_document", "parameters/key/policy", "json", data=True)
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    assert key["description"] == f"Encrypts the SecureString parameters under /dailydesk/{env}"
    # SSM encrypts and decrypts with the caller's permissions: readers need the key in
    # their own policy (which the account statement delegates to), no service statement.
    found = statements(stack, "parameters/key/policy")
    assert list(found) == ["AccountAdministersKey"]
    assert found["AccountAdministersKey"]["principals"] == [
        {"type": "AWS", "identifiers": [f"arn:aws:iam::{config.account_id}:root"]}
    ]
    alias = body(stack, "aws_kms_alias", "parameters/key/alias")
    assert alias["name"] == f"alias/dailydesk-{env}-parameters"
    assert alias["target_key_id"] == ref(stack, "aws_kms_key", "parameters/key/key", "key_id")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_secure_string_uses_the_parameters_key(synthesized, env):
    stack = synthesized[f"parent-{env}"]
    secure = [p for p in resources(stack, "aws_ssm_parameter").values() if p["type"] == "SecureString"]
    assert secure
    assert {p["key_id"] for p in secure} == {ref(stack, "aws_kms_key", "parameters/key/key", "arn")}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_key_and_its_alias_are_moved_not_replaced(synthesized, env):
    """Before the key had an explicit policy it was `parameters/key` and its alias
    `parameters/key-alias`: moved blocks carry both to their new addresses, so no deployed
    environment replaces the key that encrypts its SecureStrings."""
    stack = synthesized[f"parent-{env}"]
    moved = {block["to"]: block["from"] for block in stack["moved"]}
    key, _ = entry(stack, "aws_kms_key", "parameters/key/key")
    alias, _ = entry(stack, "aws_kms_alias", "parameters/key/alias")
    assert moved == {
        f"aws_kms_key.{key}": f"aws_kms_key.{logical_id(('parameters', 'key'))}",
        f"aws_kms_alias.{alias}": f"aws_kms_alias.{logical_id(('parameters', 'key-alias'))}",
    }
    # The address the deployed states hold (as in the plans recorded in tests/fixtures/plans).
    assert moved[f"aws_kms_key.{key}"] == "aws_kms_key.parameters_key_13D0CAB1"
    assert f"aws_kms_key.{key}" != "aws_kms_key.parameters_key_13D0CAB1"
