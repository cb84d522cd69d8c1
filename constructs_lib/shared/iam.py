"""IAM written one way: typed policy-document statements and a role a service assumes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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


def service_trust(scope: Construct, id: str, service: str, account_id: str) -> DataAwsIamPolicyDocument:
    """Trust policy: `service` may assume the role, on behalf of this account only."""
    return DataAwsIamPolicyDocument(
        scope,
        id,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                actions=["sts:AssumeRole"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[service])],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals", variable="aws:SourceAccount", values=[account_id]
                    )
                ],
            )
        ],
    )


class AccountServiceRole(NamedTuple):
    """The four blocks of `account_service_role`, in creation order."""

    assume_policy: DataAwsIamPolicyDocument
    role: IamRole
    policy: DataAwsIamPolicyDocument
    role_policy: IamRolePolicy


def account_service_role(
    scope: Construct,
    *,
    service: str,
    account_id: str,
    role_name: str,
    policy_name: str,
    statements: Sequence[DataAwsIamPolicyDocumentStatement],
) -> AccountServiceRole:
    """The role of a pipeline or build construct: creates, directly in `scope`, the trust
    document `assume` (`service` on behalf of `account_id` only), the role `role` named
    `role_name`, the policy document `policy` of `statements` and the inline policy
    `role-policy` named `policy_name`. The ids sit in `scope` itself (no wrapping construct),
    so the Terraform addresses are the owner's."""
    assume_policy = service_trust(scope, "assume", service, account_id)
    role = IamRole(scope, "role", name=role_name, assume_role_policy=assume_policy.json)
    policy = DataAwsIamPolicyDocument(scope, "policy", statement=list(statements))
    role_policy = IamRolePolicy(scope, "role-policy", role=role.id, name=policy_name, policy=policy.json)
    return AccountServiceRole(assume_policy, role, policy, role_policy)
