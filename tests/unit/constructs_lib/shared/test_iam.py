"""The one way IAM is written: named actions only."""

import pytest

import workspace  # noqa: F401  (provider import shortcut first)
from constructs_lib.shared.iam import allow


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
