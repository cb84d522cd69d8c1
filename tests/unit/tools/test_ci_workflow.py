"""The infrastructure CI workflow: valid against the GitHub Actions workflow schema (offline,
check-jsonschema's vendored copy), and doing what the issue asks: tests, synth, preflight
and change set on pull requests; dev -> staging -> prod (approved) on main; OIDC only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tools.paths import REPO_ROOT
from tools.touched_environments import REAL_ENVIRONMENTS, touched

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
MAIN = WORKFLOWS / "infrastructure.yml"
DEPLOY = WORKFLOWS / "infrastructure-deploy.yml"
CHECK_JSONSCHEMA = REPO_ROOT / ".venv" / "bin" / "check-jsonschema"


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job.get("steps", []) if "uses" in step]


def test_workflows_match_the_github_workflow_schema():
    result = validate(MAIN, DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = load(MAIN)
    broken["jobs"]["test"]["runs-on-typo"] = broken["jobs"]["test"].pop("runs-on")
    broken["jobs"]["test"]["steps"][0] = {"uses": "actions/checkout@v4", "whith": {}}
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert validate(path).returncode != 0


def test_pull_requests_run_the_tests_and_synthesize_every_environment():
    workflow = load(MAIN)
    assert "pull_request" in workflow["on"] and workflow["on"]["push"]["branches"] == ["main"]
    test = workflow["jobs"]["test"]
    assert "make setup" in runs(test) and "make test" in runs(test) and "make synth" in runs(test)
    assert any(u.startswith("hashicorp/setup-terraform@") for u in uses(test))


def test_pull_requests_plan_only_the_touched_environments_and_post_the_change_set():
    jobs = load(MAIN)["jobs"]
    assert "python -m tools.touched_environments" in runs(jobs["touched"])
    plan = jobs["plan"]
    assert plan["needs"] == ["test", "touched"]
    assert plan["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.touched.outputs.environments) }}"
    assert "make preflight ENV=" in runs(plan)
    assert 'make changeset STACK="parent-$ENV backend-$ENV frontend-$ENV"' in runs(plan)
    comment = next(step for step in plan["steps"] if step.get("uses", "").startswith("actions/github-script@"))
    assert "createComment" in comment["with"]["script"] and "changeset.txt" in comment["with"]["script"]
    assert plan["permissions"]["pull-requests"] == "write"


def test_merge_to_main_deploys_dev_then_staging_then_prod_behind_an_environment():
    jobs = load(MAIN)["jobs"]
    chain = [(name, jobs[name]) for name in ("deploy-dev", "deploy-staging", "deploy-prod")]
    assert jobs["deploy-dev"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert jobs["deploy-dev"]["needs"] == ["test"]
    assert jobs["deploy-staging"]["needs"] == ["deploy-dev"]
    assert jobs["deploy-prod"]["needs"] == ["deploy-staging"]
    assert [job["with"]["environment"] for _, job in chain] == ["dev", "staging", "prod"]
    assert all(job["uses"] == "./.github/workflows/infrastructure-deploy.yml" for _, job in chain)

    deploy = load(DEPLOY)
    job = deploy["jobs"]["deploy"]
    # The GitHub environment (required reviewers on prod) gates the job that holds the role.
    assert job["environment"] == "${{ inputs.environment }}"
    assert (
        runs(job).index("make preflight")
        < runs(job).index('make deploy STACK="parent-$ENV"')
        < runs(job).index('make deploy STACK="backend-$ENV"')
        < runs(job).index('make deploy STACK="frontend-$ENV"')
    )


def test_aws_access_is_oidc_role_assumption_only():
    for path in (MAIN, DEPLOY):
        text = path.read_text()
        assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text
        assert "aws-access-key-id" not in text and "aws-secret-access-key" not in text
        workflow = load(path)
        for name, job in workflow["jobs"].items():
            steps = [
                s
                for s in job.get("steps", [])
                if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
            ]
            for step in steps:
                assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}", name
                permissions = job.get("permissions") or workflow["permissions"]
                assert permissions["id-token"] == "write", name
    assert load(MAIN)["permissions"] == {"contents": "read"}


def test_drift_runs_on_a_schedule_for_the_s3_environments():
    workflow = load(MAIN)
    assert workflow["on"]["schedule"]
    drift = workflow["jobs"]["drift"]
    assert drift["strategy"]["matrix"]["environment"] == ["staging", "prod"]
    assert 'make drift ENV="${{ matrix.environment }}"' in runs(drift)


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["README.md", "docs/operations/day-2.md", "tests/unit/test_naming.py"], []),
        (["config/environments/prod.toml"], ["prod"]),
        (["config/environments/dev.toml", "config/environments/staging.toml"], ["dev", "staging"]),
        (["config/environments/local.toml"], []),
        (["constructs_lib/backend/load_balancer.py"], list(REAL_ENVIRONMENTS)),
        (["config/defaults.toml"], list(REAL_ENVIRONMENTS)),
        (["Pipfile.lock"], list(REAL_ENVIRONMENTS)),
        (["stacks/backend.py", "config/environments/prod.toml"], ["dev", "staging", "prod"]),
    ],
)
def test_touched_environments(paths, expected):
    assert touched(paths) == expected
