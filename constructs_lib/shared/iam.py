"""IAM written one way: typed policy-document statements, and one factory for the role a
service assumes, whose trust policy always carries the source condition.

- `allow(sid, actions, resources, conditions)` is an identity-policy statement: named
  actions (no wildcards) on named resources; `*` only for the actions of
  `STAR_ONLY_ACTIONS`, and then under a condition.
- `statement(...)` is any statement, with principals, for resource policies (bucket, queue,
  topic and key policies).
- `service_role(...)` creates the role `service` may assume only on behalf of this account
  (`aws:SourceAccount`) and, where the service sends it, of the named resources
  (`aws:SourceArn`), with one inline policy and the permissions boundary every role carries
  (created outside the stacks, policy/iam/permissions-boundary.json: the CI's deploy role may
  create roles only with it); `ServiceRole.add_statements` is how a resource's `grant_*` verb
  adds its access.
- `StatementList` is a policy document that grows after it is created (a role's inline
  policy, a bucket policy): statements in the order added, each sid once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

# Actions a statement may grant on the resource `*`: AWS defines no resource type for them
# in the Service Authorization Reference, so `*` is the only resource IAM accepts
# (tests/unit/stacks/test_policies.py checks each against checkov's copy of it).
# ecs:ListTasks is the one exception: its only resource type is a container instance,
# which Fargate tasks do not have; AWS scopes it to a cluster with the `ecs:cluster`
# condition instead.
STAR_ONLY_ACTIONS: frozenset[str] = frozenset(
    {
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ecr:GetAuthorizationToken",
        "ecs:DescribeTaskDefinition",
        "ecs:ListTasks",
    }
)

# (test, variable, values), e.g. ("StringEquals", "aws:SourceAccount", ["123456789012"]).
Condition = tuple[str, str, Sequence[str]]
# (type, identifiers), e.g. ("Service", ["events.amazonaws.com"]).
Principal = tuple[str, Sequence[str]]


def statement(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    *,
    effect: str = "Allow",
    conditions: Sequence[Condition] = (),
    principals: Sequence[Principal] = (),
) -> DataAwsIamPolicyDocumentStatement:
    """One statement of a policy document."""
    return DataAwsIamPolicyDocumentStatement(
        sid=sid,
        effect=effect,
        actions=list(actions),
        resources=list(resources) or None,
        principals=[
            DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(identifiers))
            for kind, identifiers in principals
        ]
        or None,
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=list(values))
            for test, variable, values in conditions
        ]
        or None,
    )


def allow(
    sid: str, actions: Sequence[str], resources: Sequence[str], conditions: Sequence[Condition] = ()
) -> DataAwsIamPolicyDocumentStatement:
    """An Allow statement of an identity policy: every action named, no wildcards; the
    resource `*` only for `STAR_ONLY_ACTIONS` and only with a condition that narrows it."""
    if any("*" in action for action in actions):
        raise ValueError(f"statement {sid}: name every action, no wildcards ({list(actions)})")
    if "*" in resources:
        scoped = sorted(set(actions) - STAR_ONLY_ACTIONS)
        if scoped:
            raise ValueError(f"statement {sid}: {scoped} support resource-level permissions: name the resources")
        if not conditions:
            raise ValueError(f"statement {sid}: a statement on `*` needs a condition (region, cluster, ...)")
    return statement(sid, actions, resources, conditions=conditions)


def in_region(region: str) -> Condition:
    """Narrows a statement AWS only allows on `*` (no resource-level permissions) to one region."""
    return ("StringEquals", "aws:RequestedRegion", [region])


def source_conditions(account_id: str, source_arns: Sequence[str] = ()) -> list[Condition]:
    """The confused-deputy guard of a service principal: on behalf of this account only, and
    of the named resources when the service sends their ARN."""
    conditions: list[Condition] = [("StringEquals", "aws:SourceAccount", [account_id])]
    if source_arns:
        conditions.append(("ArnLike", "aws:SourceArn", list(source_arns)))
    return conditions


class StatementList:
    """Creates the policy document `id` in `scope` (`document`) with `statements`, to which
    grants add more after it is created: in the order added (the rendered policy keeps that
    order), each sid once (a second statement under a sid already there is a mistake, never
    a merge). `owner` (a construct path) and `policy` ("the policy", "the bucket policy")
    say where, in an error.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        statements: Sequence[DataAwsIamPolicyDocumentStatement],
        *,
        owner: str,
        policy: str = "the policy",
    ) -> None:
        self._statements = list(statements)
        self._owner = owner
        self._policy = policy
        self.document = DataAwsIamPolicyDocument(scope, id, statement=self._statements)

    def add(self, *statements: DataAwsIamPolicyDocumentStatement) -> None:
        sids = {s.sid for s in self._statements}
        for added in statements:
            if added.sid in sids:
                raise ValueError(f"{self._owner}: statement {added.sid!r} is already in {self._policy}")
            sids.add(added.sid)
        self._statements.extend(statements)
        self.document.put_statement(self._statements)


@dataclass
class ServiceRole:
    """The blocks `service_role` created; `role` is what other resources reference."""

    trust: DataAwsIamPolicyDocument
    role: IamRole
    statements: StatementList
    policy: IamRolePolicy

    @property
    def arn(self) -> str:
        return self.role.arn

    @property
    def policy_document(self) -> DataAwsIamPolicyDocument:
        return self.statements.document

    def add_statements(self, *statements: DataAwsIamPolicyDocumentStatement) -> None:
        """Add to the role's inline policy (what a resource's `grant_*` verb calls)."""
        self.statements.add(*statements)


def service_role(
    scope: Construct,
    id: str,
    *,
    name: str,
    service: str,
    account_id: str,
    permissions_boundary: str,
    statements: Sequence[DataAwsIamPolicyDocumentStatement] = (),
    source_arns: Sequence[str] = (),
    description: str | None = None,
    policy_name: str | None = None,
) -> ServiceRole:
    """A role `service` (e.g. `ecs-tasks.amazonaws.com`) may assume for `account_id` (and for
    `source_arns`, when given), with one inline policy of `statements`, within the managed
    policy `permissions_boundary` (an ARN).

    Creates, in `scope`: the trust document `<id>-trust`, the role `<id>`, its policy
    document `<id>-policy-document` and the inline policy `<id>-policy` (named
    `policy_name`, default the role's name).
    """
    trust = DataAwsIamPolicyDocument(
        scope,
        f"{id}-trust",
        statement=[
            statement(
                "ServiceAssumesRole",
                ["sts:AssumeRole"],
                [],
                principals=[("Service", [service])],
                conditions=source_conditions(account_id, source_arns),
            )
        ],
    )
    if not permissions_boundary.startswith("arn:") or ":policy/" not in permissions_boundary:
        raise ValueError(f"{name}: the permissions boundary is a managed policy's ARN, not {permissions_boundary!r}")
    role = IamRole(
        scope,
        id,
        name=name,
        description=description,
        assume_role_policy=trust.json,
        permissions_boundary=permissions_boundary,
    )
    inline = StatementList(scope, f"{id}-policy-document", statements, owner=role.node.path)
    policy = IamRolePolicy(scope, f"{id}-policy", name=policy_name or name, role=role.id, policy=inline.document.json)
    return ServiceRole(trust, role, inline, policy)
