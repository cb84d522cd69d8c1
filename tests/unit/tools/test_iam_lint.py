"""parliament (an IAM linter we do not write, pinned in Pipfile.lock) over every rendered CI
policy, trust policy and permissions boundary of every environment: no finding but those
`policy/parliament-accepted.yaml` accepts, each for a reason about parliament itself."""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from typing import Any

import pytest
import yaml

from config import load_environment
from config.schema import ENVIRONMENT_NAMES
from tools import iam_policies
from tools.paths import REPO_ROOT

ACCEPTED_FILE = REPO_ROOT / "policy" / "parliament-accepted.yaml"
KINDS = ("plan", "deploy", "keys", "trust", "boundary")


def parliament() -> Any:
    with warnings.catch_warnings():
        # parliament 1.6.4 imports pkg_resources, which warns that it is deprecated.
        warnings.simplefilter("ignore")
        import parliament as module
    return module


def accepted() -> list[dict[str, Any]]:
    return list(yaml.safe_load(ACCEPTED_FILE.read_text()))


def documents(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, document) of everything rendered for environment `name`."""
    config = load_environment(name)
    found: list[tuple[str, str, dict[str, Any]]] = []
    for role in iam_policies.ROLES:
        found += [(role, policy, document) for policy, document in iam_policies.render(config, role).items()]
        found.append(("trust", iam_policies.trust_policy_name(config, role), iam_policies.render_trust(config, role)))
    found.append(("boundary", config.permissions_boundary_name, iam_policies.render_boundary(config)))
    return found


def findings(document: dict[str, Any]) -> list[tuple[str, str]]:
    policy = parliament().analyze_policy_string(json.dumps(document), include_community_auditors=True)
    return [(finding.issue, json.dumps(finding.detail, sort_keys=True)) for finding in policy.findings]


def matching(kind: str, issue: str, detail: str) -> list[int]:
    return [
        index
        for index, entry in enumerate(accepted())
        if entry["issue"] == issue and kind in entry["documents"] and re.fullmatch(entry["detail"], detail)
    ]


@cache
def all_findings() -> list[tuple[str, str, str, str, str]]:
    """(environment, kind, document name, issue, detail) of every finding."""
    return [
        (name, kind, policy, issue, detail)
        for name in ENVIRONMENT_NAMES
        for kind, policy, document in documents(name)
        for issue, detail in findings(document)
    ]


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_parliament_finds_nothing_in_the_rendered_policies(name):
    unexplained = [
        (policy, issue, detail)
        for environment, kind, policy, issue, detail in all_findings()
        if environment == name and not matching(kind, issue, detail)
    ]
    assert unexplained == []
    # Every kind of document was linted.
    assert {kind for kind, _, _ in documents(name)} == set(KINDS)


def test_every_accepted_finding_has_a_reason_and_still_occurs():
    used = {index for _, kind, _, issue, detail in all_findings() for index in matching(kind, issue, detail)}
    for index, entry in enumerate(accepted()):
        assert set(entry) == {"issue", "documents", "detail", "reason"}, entry
        assert len(entry["reason"]) > 40 and set(entry["documents"]) <= set(KINDS), entry
        assert index in used, f"stale entry (matches no finding): {entry}"


def test_the_accepted_condition_key_is_one_parliament_itself_defines_for_kms():
    """The kms:ResourceAliases entry is parliament's data gap, not a typo of ours."""
    kms = next(service for service in parliament().iam_definition if service["prefix"] == "kms")
    assert "kms:ResourceAliases" in {condition["condition"] for condition in kms["conditions"]}


def test_the_lint_catches_a_real_mistake():
    """The gate is live: a misspelt action, a `*` resource where IAM has resource-level
    permissions and a wrong-typed condition are findings, and none of them is accepted; a role
    that can pass any role to an instance it starts is a privilege escalation."""
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Typo", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "Star", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {
                "Sid": "Typed",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}},
            },
        ],
    }
    found = findings(bad)
    assert {issue for issue, _ in found} >= {"UNKNOWN_ACTION", "RESOURCE_STAR", "MISMATCHED_TYPE"}
    escalation = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Escalate",
                "Effect": "Allow",
                "Action": ["iam:PassRole", "ec2:RunInstances"],
                "Resource": "*",
            }
        ],
    }
    found += findings(escalation)
    assert "PRIVILEGE_ESCALATION" in {issue for issue, _ in found}
    serious = [finding for finding in found if finding[0] != "PERMISSIONS_MANAGEMENT_ACTIONS"]
    assert not [finding for kind in KINDS for finding in serious if matching(kind, *finding)]
