"""Deployment notifications: an encrypted topic in `backend` that only the two pipelines' rules may publish to."""

from __future__ import annotations

import json

import pytest

from config import load_environment
from tests.synth import body, parent_output, ref, statements
from tests.unit.constructs_lib.delivery.synth_helpers import PIPELINE_ENVIRONMENTS


def rule_arn(env: str, account: str, pipeline: str) -> str:
    return f"arn:aws:events:us-east-1:{account}:rule/dailydesk-{env}-{pipeline}-notify"


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_topic_is_named_by_the_parent_and_encrypted_with_its_own_key(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    topic = body(stack, "aws_sns_topic", "deployment-topic/topic")
    assert topic["name"] == parent_output(stack, "deployment_topic_name")
    assert topic["kms_master_key_id"] == ref(stack, "aws_kms_key", "deployment-topic/key/key", "arn")
    assert body(stack, "aws_kms_key", "deployment-topic/key/key")["enable_key_rotation"] is True
    assert topic["lifecycle"] == {"prevent_destroy": load_environment(env).protection.prevent_destroy}


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_key_lets_eventbridge_encrypt_for_this_topic_only(synthesized, env):
    """EventBridge may use the key only for messages of this topic: SNS sends the topic's
    ARN as the encryption context of every data key (no source keys are documented for
    EventBridge, so none are required)."""
    stack = synthesized[f"backend-{env}"]
    account = stack["provider"]["aws"][0]["allowed_account_ids"][0]
    found = statements(stack, "deployment-topic/key/policy")
    assert set(found) == {"AccountAdministersKey", "ServicesEncrypt"}
    events = found["ServicesEncrypt"]
    assert events["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert events["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    topic_arn = f"arn:aws:sns:us-east-1:{account}:{parent_output(stack, 'deployment_topic_name')}"
    assert events["condition"] == [
        {"test": "StringEquals", "variable": "kms:EncryptionContext:aws:sns:topicArn", "values": [topic_arn]}
    ]
    assert not any("aws:Source" in c["variable"] for c in events["condition"])
    administers = found["AccountAdministersKey"]
    assert administers["principals"] == [{"type": "AWS", "identifiers": [f"arn:aws:iam::{account}:root"]}]
    assert "kms:*" not in administers["actions"]


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_topic_policy_admits_exactly_the_two_pipeline_rules(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    account = stack["provider"]["aws"][0]["allowed_account_ids"][0]
    policy = body(stack, "aws_sns_topic_policy", "deployment-topic/policy")
    assert policy["arn"] == ref(stack, "aws_sns_topic", "deployment-topic/topic", "arn")
    (publish,) = statements(stack, "deployment-topic/policy-document").values()
    assert publish["actions"] == ["sns:Publish"]
    assert publish["resources"] == [ref(stack, "aws_sns_topic", "deployment-topic/topic", "arn")]
    assert publish["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert publish["condition"] == [
        {
            "test": "ArnEquals",
            "variable": "aws:SourceArn",
            "values": [rule_arn(env, account, "ecs-pipeline"), rule_arn(env, account, "frontend-ci-pipeline")],
        }
    ]


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
@pytest.mark.parametrize("layer,pipeline", [("backend", "ecs-pipeline"), ("frontend", "frontend-ci-pipeline")])
def test_each_pipeline_rule_is_the_one_the_topic_admits(synthesized, env, layer, pipeline):
    stack = synthesized[f"{layer}-{env}"]
    prefix = "pipeline-notifications" if layer == "backend" else "notifications"
    rule = body(stack, "aws_cloudwatch_event_rule", f"{prefix}/rule")
    assert rule["name"] == f"dailydesk-{env}-{pipeline}-notify"
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Pipeline Execution State Change"],
        "detail": {
            "pipeline": [f"dailydesk-{env}-{pipeline}"],
            "state": ["STARTED", "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED"],
        },
    }
    target = body(stack, "aws_cloudwatch_event_target", f"{prefix}/target")
    assert target["rule"] == ref(stack, "aws_cloudwatch_event_rule", f"{prefix}/rule", "name")
    expected_topic = (
        ref(stack, "aws_sns_topic", "deployment-topic/topic", "arn")
        if layer == "backend"
        else parent_output(stack, "deployment_topic_arn")
    )
    assert target["arn"] == expected_topic


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_the_frontend_creates_no_topic(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    assert "aws_sns_topic" not in stack["resource"]
    assert "aws_sns_topic_policy" not in stack["resource"]
