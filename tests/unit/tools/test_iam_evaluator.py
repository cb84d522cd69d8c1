"""The test IAM evaluator says yes and no as AWS does, for everything our policies use."""

from __future__ import annotations

import pytest

from tests.iam_evaluator import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, decide


def policy(*statements: dict) -> list[dict]:
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


def allow(action, resource="*", condition=None) -> dict:
    return {
        "Effect": "Allow",
        "Action": action,
        "Resource": resource,
        **({"Condition": condition} if condition else {}),
    }


def deny(action, resource="*", condition=None) -> dict:
    return {**allow(action, resource, condition), "Effect": "Deny"}


def test_no_allow_is_an_implicit_deny_and_a_deny_wins():
    documents = policy(allow("s3:GetObject", "arn:aws:s3:::b/*"), deny("s3:GetObject", "arn:aws:s3:::b/secret/*"))
    assert decide(documents, Request("s3:GetObject", "arn:aws:s3:::b/plain")) == ALLOW
    assert decide(documents, Request("s3:GetObject", "arn:aws:s3:::b/secret/x")) == EXPLICIT_DENY
    assert decide(documents, Request("s3:PutObject", "arn:aws:s3:::b/plain")) == IMPLICIT_DENY
    # Statements of several documents (managed policies of one role) are evaluated together.
    split = [*policy(allow("s3:GetObject", "*")), *policy(deny("s3:*", "arn:aws:s3:::b/secret/*"))]
    assert decide(split, Request("s3:GetObject", "arn:aws:s3:::b/secret/x")) == EXPLICIT_DENY


def test_wildcards_in_actions_and_resources():
    documents = policy(allow(["ssm:GetParameter*", "kms:Describe?ey"], "arn:aws:ssm:*:1:parameter/dailydesk/prod/*"))
    resource = "arn:aws:ssm:us-east-1:1:parameter/dailydesk/prod/rds/password"
    for action in ("ssm:GetParameter", "ssm:GetParametersByPath", "SSM:getparameters", "kms:DescribeKey"):
        assert decide(documents, Request(action, resource)) == ALLOW, action
    assert decide(documents, Request("ssm:PutParameter", resource)) == IMPLICIT_DENY
    assert decide(documents, Request("ssm:GetParameter", resource.replace("prod", "dev"))) == IMPLICIT_DENY
    # Resources are case-sensitive.
    assert decide(documents, Request("ssm:GetParameter", resource.replace("dailydesk", "DailyDesk"))) == IMPLICIT_DENY


def test_not_resource_and_not_action():
    documents = policy(
        allow("secretsmanager:*", "*"),
        {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "NotResource": ["arn:aws:sm:::secret:ok-*"]},
        {"Effect": "Deny", "NotAction": ["secretsmanager:Describe*", "secretsmanager:Get*"], "Resource": "*"},
    )
    assert decide(documents, Request("secretsmanager:GetSecretValue", "arn:aws:sm:::secret:ok-1")) == ALLOW
    assert decide(documents, Request("secretsmanager:GetSecretValue", "arn:aws:sm:::secret:other")) == EXPLICIT_DENY
    assert decide(documents, Request("secretsmanager:DescribeSecret", "arn:aws:sm:::secret:other")) == ALLOW
    assert decide(documents, Request("secretsmanager:PutSecretValue", "arn:aws:sm:::secret:ok-1")) == EXPLICIT_DENY


def test_conditions_all_hold_and_values_are_alternatives():
    documents = policy(
        allow(
            "kms:Decrypt",
            "*",
            {
                "StringEquals": {"kms:ViaService": ["ssm.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"]},
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/params"},
            },
        )
    )
    key = "arn:aws:kms:us-east-1:1:key/k"
    good = {"kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:ResourceAliases": ["alias/other", "alias/params"]}
    assert decide(documents, Request("kms:Decrypt", key, good)) == ALLOW
    assert decide(documents, Request("kms:Decrypt", key, {**good, "KMS:VIASERVICE": "s3.us-east-1.amazonaws.com"}))
    for bad in (
        {**good, "kms:ViaService": "lambda.us-east-1.amazonaws.com"},
        {**good, "kms:ResourceAliases": ["alias/other"]},
        {**good, "kms:ResourceAliases": []},
        {"kms:ResourceAliases": ["alias/params"]},  # the key is missing: a positive operator fails
    ):
        assert decide(documents, Request("kms:Decrypt", key, bad)) == IMPLICIT_DENY, bad


@pytest.mark.parametrize(
    ("operator", "wanted", "context", "holds"),
    [
        ("StringLike", "dailydesk/*", {"k": "dailydesk/prod"}, True),
        ("StringLike", "dailydesk/*", {"k": "other/prod"}, False),
        ("StringNotEquals", "a", {"k": "b"}, True),
        ("StringNotEquals", "a", {}, True),  # negated operators hold for a missing key
        ("StringEquals", "a", {}, False),
        ("StringEqualsIfExists", "a", {}, True),
        ("StringEqualsIfExists", "a", {"k": "b"}, False),
        ("ArnLike", "arn:aws:events:*:1:rule/*", {"k": "arn:aws:events:us-east-1:1:rule/r"}, True),
        ("ArnLike", "arn:aws:events:*:1:rule/*", {"k": "arn:aws:events:us-east-1:2:rule/r"}, False),
        ("ArnEqualsIfExists", "arn:aws:ec2:r:1:vpc/vpc-1", {"k": "arn:aws:ec2:r:1:vpc/vpc-2"}, False),
        ("Bool", "true", {"k": "True"}, True),
        ("Bool", "true", {"k": "false"}, False),
        ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a"]}, True),
        ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "c"]}, False),
        ("ForAllValues:StringEquals", ["a"], {}, True),
        ("ForAnyValue:StringLike", "alias/dd-*", {"k": ["alias/x", "alias/dd-prod"]}, True),
        ("ForAnyValue:StringEquals", "a", {}, False),
        # Null: "true" = the key is absent, "false" = present (single or multi-valued).
        ("Null", "true", {}, True),
        ("Null", "true", {"k": "a"}, False),
        ("Null", "true", {"k": ["alias/x"]}, False),
        ("Null", "false", {"k": ["alias/x"]}, True),
        ("Null", "false", {}, False),
    ],
)
def test_operators(operator, wanted, context, holds):
    documents = policy(allow("s3:GetObject", "*", {operator: {"k": wanted}}))
    assert (decide(documents, Request("s3:GetObject", "x", context)) == ALLOW) is holds


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericLessThan": {"k": "1"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"ForAnyValue:StringNotEquals": {"k": "a"}},
        {"NullIfExists": {"k": "true"}},
    ],
)
def test_what_it_does_not_understand_raises(condition):
    with pytest.raises(ValueError, match="not supported"):
        decide(policy(allow("s3:GetObject", "*", condition)), Request("s3:GetObject", "x", {"k": "a"}))


def test_policy_variables_and_single_valued_misuse_raise():
    with pytest.raises(ValueError, match="Null takes true or false"):
        decide(policy(allow("s3:GetObject", "*", {"Null": {"k": "yes"}})), Request("s3:GetObject", "x"))
    with pytest.raises(ValueError, match="policy variables"):
        decide(policy(allow("s3:GetObject", "arn:aws:s3:::${aws:username}/*")), Request("s3:GetObject", "x"))
    with pytest.raises(ValueError, match="multi-valued"):
        decide(
            policy(allow("s3:GetObject", "*", {"StringEquals": {"k": "a"}})), Request("s3:GetObject", "x", {"k": ["a"]})
        )
