"""Execution and task roles: named actions on named resources, nothing more."""

import pytest

from config import load_environment
from stacks.backend.api_settings import secret_parameters
from tests.synth import body, parent_output, ref, resources, statements
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS
from workspace.catalogue import manual_parameters

# Policy documents of the API and its cron jobs (the pipeline's are tested with the pipeline).
OUR_DOCUMENTS = ("/task-roles/", "/job-")


def all_statements(stack: dict, *, only_ours: bool = False) -> list[dict]:
    return [
        statement
        for document in stack["data"]["aws_iam_policy_document"].values()
        if not only_ours or any(part in document["//"]["metadata"]["path"] for part in OUR_DOCUMENTS)
        for statement in document["statement"]
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_allow_statement_in_the_workspace_has_a_wildcard_action(synthesized, env):
    for statement in all_statements(synthesized[f"backend-{env}"]):
        if statement.get("effect", "Allow") == "Allow":
            assert all("*" not in action for action in statement["actions"]), statement


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_resource_wildcard_only_for_ecr_authorization(synthesized, env):
    statements_ = all_statements(synthesized[f"backend-{env}"], only_ours=True)
    assert len(statements_) >= 11
    for statement in statements_:
        if "*" in statement.get("resources", []):
            assert statement["actions"] == ["ecr:GetAuthorizationToken"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_both_roles_trust_only_ecs_tasks_of_this_account(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    for role in ("execution-role", "task-role"):
        (trust,) = body(stack, "aws_iam_policy_document", f"task-roles/{role}-trust", data=True)["statement"]
        assert trust["principals"] == [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}]
        assert trust["actions"] == ["sts:AssumeRole"]
        config = load_environment(env)
        account = config.account_id
        assert trust["condition"] == [
            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [account]},
            {
                "test": "ArnLike",
                "variable": "aws:SourceArn",
                "values": [f"arn:aws:ecs:{config.region}:{config.account_id}:*"],
            },
        ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_execution_role_pulls_logs_and_reads_exactly_the_injected_secrets(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    config = load_environment(env)
    found = statements(stack, "task-roles/execution-role-policy-document")
    assert set(found) == {
        "EcrAuth",
        "EcrPull",
        "ContainerLogs",
        "InjectedParameters",
        "DecryptParameters",
        "InjectedSecrets",
    }
    assert found["EcrPull"]["resources"] == [ref(stack, "aws_ecr_repository", "registry/repository", "arn")]
    assert sorted(found["EcrPull"]["actions"]) == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert found["ContainerLogs"]["resources"] == [
        ref(stack, "aws_cloudwatch_log_group", "logs/group", "arn") + ":log-stream:*"
    ]
    expected_parameters = [parent_output(stack, "parameter_arns", p.name) for p in secret_parameters()]
    assert found["InjectedParameters"]["actions"] == ["ssm:GetParameters"]
    assert found["InjectedParameters"]["resources"] == expected_parameters
    assert {p.name for p in manual_parameters()} <= {p.name for p in secret_parameters()}
    assert found["DecryptParameters"]["resources"] == [parent_output(stack, "parameters_kms_key_arn")]
    assert found["DecryptParameters"]["condition"] == [
        {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"ssm.{config.region}.amazonaws.com"]}
    ]
    assert found["InjectedSecrets"]["actions"] == ["secretsmanager:GetSecretValue"]
    assert found["InjectedSecrets"]["resources"] == [
        parent_output(stack, "secret_arn_patterns", name)
        for name in ("send-review-to-customer", "technician-scheduler")
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_task_role_reads_its_environment_prefix_and_the_sales_export_bucket(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    config = load_environment(env)
    found = statements(stack, "task-roles/task-role-policy-document")
    prefix = f"arn:aws:ssm:{config.region}:{config.account_id}:parameter{parent_output(stack, 'parameter_prefix')}"
    assert "ssm:GetParametersByPath" in found["ReadConfiguration"]["actions"]
    assert found["ReadConfiguration"]["resources"] == [prefix, f"{prefix}/*"]
    bucket = parent_output(stack, "parameter_values", "s3/sales-export-bucket-name")
    assert found["SalesExportObjects"]["resources"] == [f"arn:aws:s3:::{bucket}/*"]
    assert sorted(found["SalesExportObjects"]["actions"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert found["SalesExportListing"] == {
        "sid": "SalesExportListing",
        "effect": "Allow",
        "actions": ["s3:ListBucket"],
        "resources": [f"arn:aws:s3:::{bucket}"],
    }
    # The app never gets the pull, secret-read or decrypt-anything rights of the agent.
    actions = {action for statement in found.values() for action in statement["actions"]}
    assert not actions & {"secretsmanager:GetSecretValue", "ecr:BatchGetImage", "iam:PassRole"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_role_names_fit_and_policies_attach_to_their_role(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    for role in resources(stack, "aws_iam_role").values():
        assert len(role["name"]) <= 64
    for role in ("execution-role", "task-role"):
        policy = body(stack, "aws_iam_role_policy", f"task-roles/{role}-policy")
        assert policy["role"] == ref(stack, "aws_iam_role", f"task-roles/{role}", "id")
        assert policy["policy"] == ref(
            stack, "aws_iam_policy_document", f"task-roles/{role}-policy-document", "json", data=True
        )
