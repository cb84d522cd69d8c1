"""Every policy document of every stack: trust, identity, resource and key policies.

- A role a service assumes does so only for this account (`aws:SourceAccount`).
- `*` as a resource, outside key policies (where `*` is the key itself), only for the
  actions AWS allows on nothing else, and always under a condition.
- A key policy lets an AWS service use the key only under a condition.
"""

from __future__ import annotations

import re

import pytest

from config import load_environment
from constructs_lib.shared.iam import STAR_ONLY_ACTIONS
from tests.configs import STACKS
from tests.synth import data_sources, resources

_DOCUMENT = re.compile(r"^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$")


def document_name(expression: str) -> str:
    """The policy-document data source an attribute refers to; a policy written any other
    way (a literal JSON string) is not IAM written the one way, and fails here."""
    match = _DOCUMENT.match(expression)
    assert match, f"not a policy document reference: {expression[:80]}"
    return match.group(1)


def key_policies(stack: dict) -> set[str]:
    return {document_name(key["policy"]) for key in resources(stack, "aws_kms_key").values()}


def trust_policies(stack: dict) -> set[str]:
    return {document_name(role["assume_role_policy"]) for role in resources(stack, "aws_iam_role").values()}


def environment(stack_name: str):
    return load_environment(stack_name.split("-", 1)[1])


@pytest.mark.parametrize("name", STACKS)
def test_every_trust_policy_admits_a_service_for_this_account_only(synthesized, name):
    stack, config = synthesized[name], environment(name)
    documents = data_sources(stack, "aws_iam_policy_document")
    trusts = trust_policies(stack)
    assert bool(trusts) is not name.startswith("parent-")
    for trust in trusts:
        for statement in documents[trust]["statement"]:
            assert statement["actions"] == ["sts:AssumeRole"], trust
            (principal,) = statement["principals"]
            assert principal["type"] == "Service", trust
            assert {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [config.account_id]} in (
                statement["condition"]
            ), trust


def test_every_role_carries_the_permissions_boundary(synthesized):
    """The deploy role may create a role only with the boundary (policy/iam/deploy-role.json):
    a role of ours without it would fail to deploy, and a role with another would not be capped."""
    roles = 0
    for name in STACKS:
        stack, config = synthesized[name], environment(name)
        for address, role in resources(stack, "aws_iam_role").items():
            assert role.get("permissions_boundary") == config.permissions_boundary_arn, (name, address)
            roles += 1
        # Roles are made by the one factory: no other resource makes or changes one.
        assert not {"aws_iam_role_policy_attachment", "aws_iam_policy", "aws_iam_user"} & set(stack.get("resource", {}))
    assert roles == 4 * (8 + 3)  # backend: 2 task roles, 3 jobs, pipeline and 2 projects; frontend: pipeline, 2


@pytest.mark.parametrize("name", STACKS)
def test_star_resources_only_for_star_only_actions_and_under_a_condition(synthesized, name):
    stack = synthesized[name]
    keys = key_policies(stack)
    checked = 0
    for document_id, document in data_sources(stack, "aws_iam_policy_document").items():
        if document_id in keys:
            continue
        for statement in document["statement"]:
            if "*" not in statement.get("resources", []):
                continue
            checked += 1
            where = f"{document_id}/{statement.get('sid')}"
            assert statement["effect"] == "Allow", where
            assert set(statement["actions"]) <= STAR_ONLY_ACTIONS, where
            assert statement.get("condition"), where
    # The ECR login (execution role, image build), the build network's describe calls,
    # the deploy step's task lookups: the backend has them, the others none.
    assert (checked > 0) is name.startswith("backend-")


@pytest.mark.parametrize("name", STACKS)
def test_key_policies_admit_the_account_and_services_only_under_a_condition(synthesized, name):
    stack, config = synthesized[name], environment(name)
    documents = data_sources(stack, "aws_iam_policy_document")
    keys = key_policies(stack)
    assert keys
    for document_id in keys:
        for statement in documents[document_id]["statement"]:
            assert statement["effect"] == "Allow"
            assert statement["resources"] == ["*"]  # in a key policy: this key
            (principal,) = statement["principals"]
            if principal["type"] == "AWS":
                assert principal["identifiers"] == [f"arn:aws:iam::{config.account_id}:root"]
            else:
                assert principal["type"] == "Service"
                assert statement.get("condition"), f"{document_id}/{statement['sid']}: unconditioned service"


def test_star_only_actions_have_no_resource_type_in_the_service_reference():
    """The list in `constructs_lib.shared.iam`, checked against the Service Authorization
    Reference as bundled with checkov (policy_sentry): no resource type but `*`, except
    ecs:ListTasks, whose only one (a container instance) Fargate tasks do not have."""
    from policy_sentry.querying.actions import get_action_data

    for action in sorted(STAR_ONLY_ACTIONS):
        service, name = action.split(":")
        formats = {row["resource_arn_format"] for row in get_action_data(service, name)[service]}
        if action == "ecs:ListTasks":
            assert formats == {
                "*",
                "arn:${Partition}:ecs:${Region}:${Account}:container-instance/${ClusterName}/${ContainerInstanceId}",
            }
        else:
            assert formats == {"*"}, action
