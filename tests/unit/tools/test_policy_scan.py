"""The policy scan: checkov over every synthesized workspace, 0 unexplained findings, and a
skip file that cannot hide anything (a reason per check, named resources, no stale entry)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.configs import STACKS, stacks_of
from tools import policy_scan


@pytest.fixture(scope="module")
def result(synthesized) -> policy_scan.Result:
    return policy_scan.scan(synthesized.outdir)


def checkov_check_ids() -> set[str]:
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    ids = {
        check.id
        for registry in (resource_registry, data_registry)
        for checks in registry.checks.values()
        for check in checks
    }
    graph = get_graph_checks_registry("terraform")
    graph.load_checks()
    return ids | {check.id for check in graph.checks}


def test_every_workspace_of_every_environment_is_scanned(synthesized, result):
    assert set(synthesized.stacks) == set(STACKS) and len(STACKS) == 12
    # Each of the 12 stacks was read and checked (its passed and failed checks counted).
    assert sorted(result.checked) == sorted(STACKS)
    assert all(count > 0 for count in result.checked.values()), result.checked
    assert sum(result.checked.values()) == result.passed + len(result.findings)
    # Every parent has String parameters (CKV2_AWS_34), so each shows up among the findings.
    assert set(stacks_of("parent")) <= {finding.stack for finding in result.findings}


def test_no_unexplained_finding_and_no_stale_skip(result):
    print("\n" + policy_scan.render(result))
    assert [(f.check, f.stack, f.resource) for f in result.unexplained] == []
    assert [(s.check, r) for s, r in result.stale] == []


def test_every_skip_names_a_real_check_and_real_resources_with_a_reason(synthesized):
    skips = policy_scan.load_skips()
    known = checkov_check_ids()
    resources = policy_scan.stack_resources(synthesized.stack_dir(name) for name in synthesized.stacks)
    data_sources = {
        name: {f"data.{t}.{n}" for t, items in stack.get("data", {}).items() for n in items}
        for name, stack in synthesized.stacks.items()
    }
    assert skips, "the skip file is empty: then this test has nothing to guard"
    for skip in skips:
        assert skip.check in known, f"{skip.check} is not a checkov check"
        assert len(skip.reason) >= policy_scan.MIN_REASON_LENGTH
        assert skip.resources and all("*" not in r for r in skip.resources)
        stacks = skip.stacks or tuple(synthesized.stacks)
        assert set(stacks) <= set(STACKS)
        for resource in skip.resources:
            assert any(resource in resources[s] | data_sources[s] for s in stacks), (
                f"{skip.check}: {resource} not found"
            )
    checks = [skip.check for skip in skips]
    assert len(checks) == len(set(checks)), "one entry per check ID"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"check": "CKV_AWS_18", "reason": "x" * 50}, "name the resources (no blanket skips)"),
        ({"check": "CKV_AWS_18", "reason": "", "resources": ["aws_s3_bucket.a"]}, "the reason must say why"),
        ({"check": "CKV_AWS_18", "reason": "x" * 50, "resources": ["aws_s3_bucket.*"]}, "is not one resource address"),
        ({"check": "ALL", "reason": "x" * 50, "resources": ["aws_s3_bucket.a"]}, "is not a checkov AWS check ID"),
        ({"check": "CKV_AWS_18", "reason": "x" * 50, "resources": ["aws_s3_bucket.a"], "all": True}, "only check"),
    ],
)
def test_skip_file_rules(tmp_path, entry, message):
    path = tmp_path / "skips.yaml"
    path.write_text(json.dumps({"skips": [entry]}))
    with pytest.raises(policy_scan.SkipFileError, match=re.escape(message)):
        policy_scan.load_skips(path)


def test_unlisted_finding_fails_and_unused_skip_is_stale(result):
    # The same checkov findings, judged against one unrelated skip instead of the skip file.
    skip = policy_scan.Skip("CKV_AWS_18", "x" * 50, ("aws_s3_bucket.not_in_any_stack",))
    result = policy_scan.judge(result.passed, result.findings, [skip])
    assert not result.clean
    assert any(f.check == "CKV2_AWS_34" and f.stack == "parent-prod" for f in result.unexplained)
    assert [(s.check, r) for s, r in result.stale] == [("CKV_AWS_18", "aws_s3_bucket.not_in_any_stack")]


def test_required_version_and_moved_are_removed_from_the_scanned_copy_only(synthesized, tmp_path):
    """checkov 3.3.30 fails to parse Terraform JSON with `terraform.required_version`
    (issue 7454) or with `moved` blocks, and then reports 0 checks; the scan works on a copy
    without those keys."""
    source = tmp_path / "app" / "frontend-dev"
    source.mkdir(parents=True)
    document = synthesized["frontend-dev"]
    assert document["moved"]
    document = {**document, "terraform": {**document["terraform"], "required_version": ">= 1.11.4"}}
    (source / "cdk.tf.json").write_text(json.dumps(document))

    target = tmp_path / "copy"
    assert policy_scan.scan_copy([source], target) == ["frontend-dev"]
    copied = json.loads((target / "frontend-dev" / "cdk.tf.json").read_text())
    assert "required_version" not in copied["terraform"] and "moved" not in copied
    assert copied["terraform"]["required_providers"] == document["terraform"]["required_providers"]
    assert copied["resource"] == document["resource"]
    assert json.loads((source / "cdk.tf.json").read_text())["terraform"]["required_version"] == ">= 1.11.4"

    passed, findings, checked = policy_scan.run_checkov(target)
    assert passed > 0 and findings  # parsed and checked, not silently skipped
    assert checked == {"frontend-dev": passed + len(findings)}


def test_unparsable_stack_stops_the_scan(synthesized, tmp_path):
    bad = tmp_path / "parent-dev"
    bad.mkdir()
    document = synthesized["parent-dev"]
    (bad / "cdk.tf.json").write_text(
        json.dumps({**document, "terraform": {**document["terraform"], "required_version": ">= 1.11.4"}})
    )
    with pytest.raises(RuntimeError, match="could not parse"):
        policy_scan.run_checkov(tmp_path)


def test_findings_are_reported_by_terraform_address():
    document = {
        "resource": {"aws_lb": {"load-balancer_alb_1": {}}},
        "data": {"aws_iam_policy_document": {"key_policy_2": {}}},
    }
    names = policy_scan.addresses(document)
    assert names["resource.load-balancer_alb_1"] == "aws_lb.load-balancer_alb_1"
    assert names["aws_lb.load-balancer_alb_1"] == "aws_lb.load-balancer_alb_1"
    assert names["data.key_policy_2"] == "data.aws_iam_policy_document.key_policy_2"
    assert Path(policy_scan.SKIPS_FILE).name == "checkov-skips.yaml"


def test_every_accepted_exception_is_listed_in_the_security_section():
    section = (Path(policy_scan.REPO_ROOT) / "docs" / "security.md").read_text()
    missing = [skip.check for skip in policy_scan.load_skips() if skip.check not in section]
    assert missing == []
