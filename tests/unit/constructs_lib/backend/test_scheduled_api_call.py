"""EventBridge cron jobs: API-key connections, destinations, rules, targets, DLQs."""

import json

import pytest

from config import load_environment
from config.schema import ENVIRONMENT_NAMES
from tests.synth import body, data_sources, parent_output, ref, resources, statements
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS
from workspace.catalogue import SECRETS_BY_NAME, api_key_connections
from workspace.layers import NAMES as LAYERS

STACK_NAMES = {f"{layer}-{env}" for layer in LAYERS for env in ENVIRONMENT_NAMES}

JOBS = {
    "reset-queue": "technician-scheduler",
    "send-review-sms": "send-review-to-customer",
    "send-campaign-sms": "send-review-to-customer",
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_connection_per_secret_with_its_header_and_a_placeholder(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    assert len(resources(stack, "aws_cloudwatch_event_connection")) == 2
    config = load_environment(env)
    connections = api_key_connections(config, config.namer)
    for name, header in (("technician-scheduler", "x-api-key"), ("send-review-to-customer", "x-api-key-send-sms")):
        connection = body(stack, "aws_cloudwatch_event_connection", f"connection-{name}/connection")
        assert connection["name"] == connections[name] == f"dailydesk-{env}-{name}"
        assert connection["authorization_type"] == "API_KEY"
        api_key = connection["auth_parameters"]["api_key"]
        assert api_key["key"] == header == SECRETS_BY_NAME[name].key
        # A literal that says what it is, not a reference: no key reaches the plan or the state.
        assert api_key["value"] == f"set-by-deploy:{name}" == SECRETS_BY_NAME[name].placeholder
        # ... and Terraform never sends it over the key the deploy put in.
        assert connection["lifecycle"] == {"ignore_changes": ["auth_parameters[0].api_key[0].value"]}


@pytest.mark.parametrize("stack_name", sorted(STACK_NAMES))
def test_no_stack_reads_a_secret_value(synthesized, stack_name):
    """Neither data source that returns a secret's value exists in any stack; the API-key
    secrets are looked up by metadata only."""
    stack = synthesized[stack_name]
    assert not data_sources(stack, "aws_secretsmanager_secret_version")
    assert not data_sources(stack, "aws_secretsmanager_secret_versions")
    assert not data_sources(stack, "aws_ssm_parameter")
    text = json.dumps(stack)
    assert "secret_string" not in text and "jsondecode" not in text


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("job", sorted(JOBS))
def test_job_calls_its_endpoint_on_schedule(synthesized, env, job):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    spec = next(j for j in config.jobs if j.name == job)
    destination = body(stack, "aws_cloudwatch_event_api_destination", f"job-{job}/destination")
    backend_url = parent_output(stack, "parameter_values", "backend-url")
    assert destination["invocation_endpoint"] == backend_url + spec.path
    assert destination["http_method"] == spec.method
    assert destination["connection_arn"] == ref(
        stack, "aws_cloudwatch_event_connection", f"connection-{JOBS[job]}/connection", "arn"
    )
    rule = body(stack, "aws_cloudwatch_event_rule", f"job-{job}/rule")
    assert rule["schedule_expression"] == spec.schedule
    assert rule["name"] == f"dailydesk-{env}-{job}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("job", sorted(JOBS))
def test_target_retries_then_dead_letters(synthesized, env, job):
    stack = synthesized[f"backend-{env}"]
    target = body(stack, "aws_cloudwatch_event_target", f"job-{job}/target")
    assert target["rule"] == ref(stack, "aws_cloudwatch_event_rule", f"job-{job}/rule", "name")
    assert target["arn"] == ref(stack, "aws_cloudwatch_event_api_destination", f"job-{job}/destination", "arn")
    assert target["role_arn"] == ref(stack, "aws_iam_role", f"job-{job}/role", "arn")
    assert target["retry_policy"] == {"maximum_retry_attempts": 5, "maximum_event_age_in_seconds": 3600}
    queue_arn = ref(stack, "aws_sqs_queue", f"job-{job}/dead-letter-queue", "arn")
    assert target["dead_letter_config"] == {"arn": queue_arn}
    queue = body(stack, "aws_sqs_queue", f"job-{job}/dead-letter-queue")
    assert queue["sqs_managed_sse_enabled"] is True
    assert queue["message_retention_seconds"] == 14 * 24 * 3600


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("job", sorted(JOBS))
def test_only_this_rule_may_dead_letter_and_role_invokes_only_its_destination(synthesized, env, job):
    stack = synthesized[f"backend-{env}"]
    (queue_statement,) = statements(stack, f"job-{job}/dead-letter-queue-policy-document").values()
    assert queue_statement["actions"] == ["sqs:SendMessage"]
    assert queue_statement["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert queue_statement["resources"] == [ref(stack, "aws_sqs_queue", f"job-{job}/dead-letter-queue", "arn")]
    assert queue_statement["condition"] == [
        {
            "test": "ArnEquals",
            "variable": "aws:SourceArn",
            "values": [ref(stack, "aws_cloudwatch_event_rule", f"job-{job}/rule", "arn")],
        }
    ]
    policy = body(stack, "aws_sqs_queue_policy", f"job-{job}/dead-letter-queue-policy")
    assert policy["queue_url"] == ref(stack, "aws_sqs_queue", f"job-{job}/dead-letter-queue", "url")
    role_statements = statements(stack, f"job-{job}/role-policy-document")
    assert role_statements == {
        "InvokeDestination": {
            "sid": "InvokeDestination",
            "effect": "Allow",
            "actions": ["events:InvokeApiDestination"],
            "resources": [ref(stack, "aws_cloudwatch_event_api_destination", f"job-{job}/destination", "arn")],
        }
    }
    (trust,) = body(stack, "aws_iam_policy_document", f"job-{job}/role-trust", data=True)["statement"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
