"""The one way IAM is written: named actions only, `*` only where AWS allows nothing else."""

import pytest

import workspace  # noqa: F401  (provider import shortcut first)
from constructs_lib.shared.iam import allow, service_role


@pytest.mark.parametrize("action", ["*", "s3:*", "ssm:Get*"])
def test_allow_refuses_wildcard_actions(action):
    with pytest.raises(ValueError, match="name every action"):
        allow("Broad", [action], ["arn:aws:s3:::bucket"])


def test_allow_builds_a_typed_statement_with_conditions():
    statement = allow("Read", ["s3:GetObject"], ["arn:aws:s3:::bucket/*"], [("Bool", "aws:SecureTransport", ["true"])])
    assert (statement.sid, statement.effect, statement.actions, statement.resources) == (
        "Read",
        "Allow",
        ["s3:GetObject"],
        ["arn:aws:s3:::bucket/*"],
    )
    (condition,) = statement.condition
    assert (condition.test, condition.variable, condition.values) == ("Bool", "aws:SecureTransport", ["true"])


def test_allow_refuses_star_for_an_action_with_resource_level_permissions():
    with pytest.raises(ValueError, match="support resource-level permissions"):
        allow("Broad", ["ssm:GetParameters"], ["*"], [("StringEquals", "aws:RequestedRegion", ["us-east-1"])])


def test_allow_refuses_star_without_a_condition():
    with pytest.raises(ValueError, match="needs a condition"):
        allow("Login", ["ecr:GetAuthorizationToken"], ["*"])


def test_allow_takes_star_for_a_star_only_action_under_a_condition():
    statement = allow("Login", ["ecr:GetAuthorizationToken"], ["*"], [("StringEquals", "aws:RequestedRegion", ["x"])])
    assert statement.resources == ["*"]


@pytest.mark.parametrize("boundary", ["", "dailydesk-prod-permissions-boundary", "arn:aws:iam::1:role/x"])
def test_a_service_role_needs_a_managed_policy_as_its_boundary(boundary):
    from cdktf import App, TerraformStack

    stack = TerraformStack(App(), "s")
    with pytest.raises(ValueError, match="permissions boundary is a managed policy's ARN"):
        service_role(
            stack, "r", name="n", service="events.amazonaws.com", account_id="1", permissions_boundary=boundary
        )
