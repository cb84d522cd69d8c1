"""IAM written one way: typed policy-document statements and a role a service assumes."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    conditions: Sequence[tuple[str, str, Sequence[str]]] = (),
) -> DataAwsIamPolicyDocumentStatement:
    """An Allow statement; `conditions` are (test, variable, values)."""
    if any("*" in action for action in actions):
        raise ValueError(f"statement {sid}: name every action, no wildcards ({list(actions)})")
    return DataAwsIamPolicyDocumentStatement(
        sid=sid,
        effect="Allow",
        actions=list(actions),
        resources=list(resources),
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=list(values))
            for test, variable, values in conditions
        ]
        or None,
    )


def service_role(
    scope: Construct,
    id: str,
    *,
    name: str,
    service: str,
    statements: Sequence[DataAwsIamPolicyDocumentStatement],
    trust_conditions: Sequence[tuple[str, str, Sequence[str]]] = (),
    description: str,
) -> IamRole:
    """A role `service` (e.g. `ecs-tasks.amazonaws.com`) may assume, with one inline policy."""
    trust = DataAwsIamPolicyDocument(
        scope,
        f"{id}-trust",
        statement=[
            DataAwsIamPolicyDocumentStatement(
                effect="Allow",
                actions=["sts:AssumeRole"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[service])],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=list(values))
                    for test, variable, values in trust_conditions
                ]
                or None,
            )
        ],
    )
    role = IamRole(scope, id, name=name, description=description, assume_role_policy=trust.json)
    document = DataAwsIamPolicyDocument(scope, f"{id}-policy-document", statement=list(statements))
    IamRolePolicy(scope, f"{id}-policy", name=name, role=role.id, policy=document.json)
    return role
