"""Reading a refresh-only plan: only attributes the configuration sets are drift; an unset
attribute read back as null or empty is not; sensitive values are masked; deletions show."""

from __future__ import annotations

import json

from tools import drift


def plan(resource_drift: list[dict], resources: list[dict]) -> dict:
    return {"resource_drift": resource_drift, "configuration": {"root_module": {"resources": resources}}}


def drifted(
    address: str, before: dict, after: dict, *, actions=("update",), before_sensitive=None, after_sensitive=None
):
    return {
        "address": address,
        "change": {
            "actions": list(actions),
            "before": before,
            "after": after,
            "before_sensitive": before_sensitive or {},
            "after_sensitive": after_sensitive or {},
        },
    }


LOG_GROUP = "aws_cloudwatch_log_group.logs_group_F4848128"
ROLE = "aws_iam_role.task_role_1"
PARAMETER = "aws_ssm_parameter.parameters_gsm_username_1"
PIPELINE = "aws_codepipeline.pipeline_1"

CONFIGURATION = [
    {
        "address": LOG_GROUP,
        "expressions": {
            "name": {"constant_value": "/dailydesk/local/backend"},
            "retention_in_days": {"constant_value": 7},
        },
    },
    {
        "address": ROLE,
        "expressions": {"name": {"constant_value": "role"}, "assume_role_policy": {"references": ["data.x.json"]}},
    },
    {
        "address": PARAMETER,
        "expressions": {"value": {"constant_value": "dailydesk"}, "type": {"constant_value": "SecureString"}},
    },
    {
        "address": PIPELINE,
        "expressions": {
            "stage": [{"name": {"constant_value": "Source"}, "action": [{"name": {"constant_value": "Source"}}]}]
        },
    },
]


def test_configured_attribute_drift_is_reported_and_observations_are_not():
    document = plan(
        [
            drifted(
                LOG_GROUP,
                {"retention_in_days": 7, "tags": None, "tags_all": {"Project": "dailydesk"}},
                {"retention_in_days": 30, "tags": {}, "tags_all": {"Project": "dailydesk", "Owner": "someone"}},
            ),
            # An IAM role's inline policies are written by a separate resource: an observation.
            drifted(ROLE, {"name": "role", "inline_policy": []}, {"name": "role", "inline_policy": [{"name": "p"}]}),
            drifted(
                PIPELINE,
                {"stage": [{"name": "Source", "action": [{"name": "Source", "input_artifacts": None}]}]},
                {"stage": [{"name": "Source", "action": [{"name": "Source", "input_artifacts": []}]}]},
            ),
        ],
        CONFIGURATION,
    )
    rows = [(r.address, r.attribute, r.in_state, r.in_aws) for r in drift.read_drift(document, "backend-local")]
    assert rows == [
        (LOG_GROUP, "retention_in_days", "7", "30"),
        (LOG_GROUP, "tags_all.Owner", "null", "someone"),
    ]


def test_nested_block_drift_has_a_path():
    document = plan(
        [
            drifted(
                PIPELINE,
                {"stage": [{"name": "Source", "action": [{"name": "Source"}]}]},
                {"stage": [{"name": "Source", "action": [{"name": "GitHub"}]}]},
            )
        ],
        CONFIGURATION,
    )
    [row] = drift.read_drift(document, "backend-local")
    assert (row.attribute, row.in_state, row.in_aws) == ("stage[0].action[0].name", "Source", "GitHub")


def test_sensitive_values_are_masked():
    document = plan(
        [
            drifted(
                PARAMETER,
                {"value": "old-secret"},
                {"value": "new-secret"},
                before_sensitive={"value": True},
                after_sensitive={"value": True},
            )
        ],
        CONFIGURATION,
    )
    [row] = drift.read_drift(document, "parent-local")
    assert (row.attribute, row.in_state, row.in_aws) == ("value", "(sensitive)", "(sensitive)")
    assert "secret" not in drift.render([row]).replace("(sensitive)", "")


def test_a_resource_deleted_outside_terraform_is_one_row():
    document = plan([drifted(LOG_GROUP, {"retention_in_days": 7}, None, actions=("delete",))], CONFIGURATION)
    [row] = drift.read_drift(document, "backend-prod")
    assert (row.attribute, row.in_state, row.in_aws) == ("(resource)", "exists", "deleted outside Terraform")


def test_render():
    assert drift.render([]) == "no drift"
    text = drift.render([drift.Drift("backend-prod", LOG_GROUP, "retention_in_days", "365", "30")])
    assert text.splitlines()[0].split() == ["WORKSPACE", "ADDRESS", "ATTRIBUTE", "IN", "STATE", "->", "IN", "AWS"]
    assert text.splitlines()[1].split() == ["backend-prod", LOG_GROUP, "retention_in_days", "365", "->", "30"]


def test_a_connection_key_that_differs_or_lost_its_secret_is_a_row(tmp_path):
    from tools import api_keys

    stack = {
        "resource": {
            "aws_cloudwatch_event_connection": {
                "connection-technician-scheduler_connection_D585479C": {"name": "dailydesk-prod-technician-scheduler"},
                "connection-send-review-to-customer_connection_1": {"name": "dailydesk-prod-send-review-to-customer"},
            }
        }
    }
    (tmp_path / "cdk.tf.json").write_text(json.dumps(stack))
    rows = [
        api_keys.Row("dailydesk-prod-technician-scheduler", "technician-scheduler", "differs", "holds another key"),
        api_keys.Row("dailydesk-prod-send-review-to-customer", "send-review-to-customer", "secret missing", "x"),
        api_keys.Row("dailydesk-prod-a", "a", "in sync"),
        api_keys.Row("dailydesk-prod-b", "b", "connection missing", "not deployed"),
        api_keys.Row("dailydesk-prod-c", "c", "error", "secret c: AccessDeniedException"),
    ]
    found = drift.key_drift(rows, "backend-prod", drift.connection_addresses(tmp_path))
    attribute = "auth_parameters[0].api_key[0].value"
    assert found == [
        drift.Drift(
            "backend-prod",
            "aws_cloudwatch_event_connection.connection-technician-scheduler_connection_D585479C",
            attribute,
            "key of secret technician-scheduler",
            "holds another key",
        ),
        drift.Drift(
            "backend-prod",
            "aws_cloudwatch_event_connection.connection-send-review-to-customer_connection_1",
            attribute,
            "key of secret send-review-to-customer",
            "secret missing",
        ),
    ]


TASK_DEFINITION = "aws_ecs_task_definition.api_task-definition_1"
SERVICE = "aws_ecs_service.api_service_1"
FAMILY_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/dailydesk-local-api"
ROLLOUT_CONFIGURATION = [
    {
        "address": TASK_DEFINITION,
        "expressions": {
            "family": {"constant_value": "dailydesk-local-api"},
            "cpu": {"constant_value": "256"},
            "container_definitions": {"references": ["data.aws_ecs_task_definition.x"]},
        },
    },
    {"address": SERVICE, "expressions": {"task_definition": {"references": [TASK_DEFINITION + ".arn"]}}},
]


def containers(image: str, **environment: str) -> str:
    env = [{"name": k, "value": v} for k, v in sorted(environment.items())]
    return json.dumps([{"name": "api", "image": image, "cpu": 0, "environment": env}])


def task_definition(revision: int, image: str, cpu: str = "256", **environment: str) -> dict:
    return {
        "family": "dailydesk-local-api",
        "arn": f"{FAMILY_ARN}:{revision}",
        "revision": revision,
        "cpu": cpu,
        "container_definitions": containers(image, **environment),
    }


def test_the_pipelines_rollout_is_not_drift():
    # CodePipeline's ECS deploy action: a new revision with another image, the service on it.
    document = plan(
        [
            drifted(TASK_DEFINITION, task_definition(4, "repo:bootstrap"), task_definition(5, "repo:3f9c2e1")),
            drifted(SERVICE, {"task_definition": f"{FAMILY_ARN}:4"}, {"task_definition": f"{FAMILY_ARN}:5"}),
        ],
        ROLLOUT_CONFIGURATION,
    )
    assert drift.read_drift(document, "backend-local") == []


def test_a_revision_changed_beyond_its_image_or_another_family_is_drift():
    document = plan(
        [
            drifted(
                TASK_DEFINITION,
                task_definition(4, "repo:a", RDS_HOST="db"),
                task_definition(5, "repo:b", cpu="1024", RDS_HOST="other"),
            ),
            drifted(SERVICE, {"task_definition": f"{FAMILY_ARN}:4"}, {"task_definition": "someone-elses-family:1"}),
        ],
        ROLLOUT_CONFIGURATION,
    )
    rows = {(r.address, r.attribute) for r in drift.read_drift(document, "backend-local")}
    assert rows == {
        (TASK_DEFINITION, "cpu"),
        (TASK_DEFINITION, "container_definitions"),
        (SERVICE, "task_definition"),
    }


def test_a_key_that_could_not_be_compared_is_a_cannot_check_row_with_its_own_code(tmp_path, monkeypatch):
    """The plan role may not read secret values: the row says so instead of vanishing, and
    `make drift` exits CANNOT_CHECK (8) when nothing else drifted, FOUND (2) when something did."""
    from config import load_environment
    from tools import api_keys
    from tools.deploy import exit_codes

    stack = {"resource": {"aws_cloudwatch_event_connection": {"c_1": {"name": "dailydesk-prod-technician-scheduler"}}}}
    stack_dir = tmp_path / "stacks" / "backend-prod"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(stack))
    rows = [
        api_keys.Row("dailydesk-prod-technician-scheduler", "technician-scheduler", "error", "AccessDeniedException")
    ]
    monkeypatch.setattr(api_keys, "check", lambda config: rows)
    drifted, unchecked = drift.check_api_keys(load_environment("prod"), stack_dir, "backend-prod")
    assert drifted == []
    assert unchecked == [
        drift.Drift(
            "backend-prod",
            "aws_cloudwatch_event_connection.c_1",
            "auth_parameters[0].api_key[0].value",
            "key of secret technician-scheduler",
            "cannot check: AccessDeniedException",
        )
    ]
    monkeypatch.setattr(drift, "detect", lambda workspace, context: [])
    code, found = drift.run(load_environment("prod"), tmp_path, ("backend",))
    assert (code, found) == (exit_codes.CANNOT_CHECK, unchecked)
    other = drift.Drift("backend-prod", "aws_sqs_queue.q", "delay_seconds", "0", "5")
    monkeypatch.setattr(drift, "detect", lambda workspace, context: [other])
    assert drift.run(load_environment("prod"), tmp_path, ("backend",)) == (exit_codes.FOUND, [other, *unchecked])
