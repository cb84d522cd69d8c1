"""EncryptionKey: the account's statement, and service statements only with a condition."""

from __future__ import annotations

import json

import cdktf
import pytest

import workspace  # noqa: F401  (provider import shortcut first)
from constructs_lib.shared.encryption_key import (
    EncryptionKey,
    EncryptionKeyProps,
    ServiceUse,
    cloudwatch_logs_use,
)
from tests.unit.constructs_lib.context import example_context


def test_a_service_statement_without_a_condition_is_refused():
    with pytest.raises(ValueError, match="only under a condition"):
        ServiceUse("Open", "events.amazonaws.com", conditions=())


def test_service_statements_are_written_with_their_conditions_after_the_accounts(tmp_path):
    stack = cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test")
    use = ServiceUse(
        "TopicOnly",
        "events.amazonaws.com",
        conditions=(("StringEquals", "kms:EncryptionContext:aws:sns:topicArn", ["arn:aws:sns:us-east-1:1:t"]),),
    )
    EncryptionKey(
        stack,
        "key",
        props=EncryptionKeyProps(
            context=example_context(prevent_destroy=True),
            alias="a",
            description="d",
            services=(use, cloudwatch_logs_use(example_context(region="eu-west-1"))),
        ),
    )
    synth = json.loads(cdktf.Testing.synth(stack))
    (document,) = synth["data"]["aws_iam_policy_document"].values()
    sids = [s["sid"] for s in document["statement"]]
    assert sids == ["AccountAdministersKey", "TopicOnly", "LogsEncryptOwnLogGroups"]
    topic, logs = document["statement"][1:]
    assert topic["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert topic["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:EncryptionContext:aws:sns:topicArn",
            "values": ["arn:aws:sns:us-east-1:1:t"],
        }
    ]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.eu-west-1.amazonaws.com"]}]
    assert logs["condition"][0]["values"] == ["arn:aws:logs:eu-west-1:123456789012:log-group:*"]
    (key,) = synth["resource"]["aws_kms_key"].values()
    assert key["lifecycle"] == {"prevent_destroy": True}
