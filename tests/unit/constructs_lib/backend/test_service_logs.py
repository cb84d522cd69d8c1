"""The API's log group and stream: named by the parent, retention per environment, encrypted with a CMK."""

import pytest

from config import load_environment
from tests.synth import body, only, parent_output, ref
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_log_group_named_by_parent_with_environment_retention(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    group = body(stack, "aws_cloudwatch_log_group", "logs/group")
    assert group["name"] == parent_output(stack, "log_group_name")
    config = load_environment(env)
    assert group["retention_in_days"] == config.logs.retention_days
    assert group["lifecycle"]["prevent_destroy"] is (not config.is_emulated)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_log_stream_named_by_parent_in_that_group(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    stream = only(stack, "aws_cloudwatch_log_stream")
    assert stream["name"] == parent_output(stack, "log_stream_name")
    assert stream["log_group_name"] == ref(stack, "aws_cloudwatch_log_group", "logs/group", "name")


def test_retention_differs_per_environment(synthesized):
    retention = {
        env: body(synthesized[f"backend-{env}"], "aws_cloudwatch_log_group", "logs/group")["retention_in_days"]
        for env in ENVIRONMENTS
    }
    assert retention == {"dev": 14, "prod": 365, "local": 7}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_log_group_is_encrypted_with_the_workspace_logs_key(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    group = body(stack, "aws_cloudwatch_log_group", "logs/group")
    assert group["kms_key_id"] == ref(stack, "aws_kms_key", "logs-key/key", "arn")
