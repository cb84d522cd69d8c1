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
