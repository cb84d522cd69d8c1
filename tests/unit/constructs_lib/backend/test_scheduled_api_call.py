"""EventBridge cron jobs: API-key connections, destinations, rules, targets, DLQs."""

import pytest

from config import load_environment
from tests.synth import body, parent_output, ref, resources, statements
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS
from workspace.catalogue import SECRETS_BY_NAME

JOBS = {
    "reset-queue": "technician-scheduler",
    "send-review-sms": "send-review-to-customer",
    "send-campaign-sms": "send-review-to-customer",
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_connection_per_secret_with_its_header(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    assert len(resources(stack, "aws_cloudwatch_event_connection")) == 2
    for name, header in (("technician-scheduler", "x-api-key"), ("send-review-to-customer", "x-api-key-send-sms")):
        connection = body(stack, "aws_cloudwatch_event_connection", f"connection-{name}/connection")
        assert connection["authorization_type"] == "API_KEY"
        api_key = connection["auth_parameters"]["api_key"]
        assert api_key["key"] == header == SECRETS_BY_NAME[name].key
        secret = ref(stack, "aws_secretsmanager_secret_version", f"api-key-{name}/version", "secret_string", data=True)
        assert api_key["value"] == f'${{jsondecode({secret[2:-1]})["{header}"]}}'
        assert (
            body(stack, "aws_secretsmanager_secret_version", f"api-key-{name}/version", data=True)["secret_id"] == name
        )


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
