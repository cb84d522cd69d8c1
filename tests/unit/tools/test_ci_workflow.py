"""The infrastructure CI workflow: valid against the GitHub Actions workflow schema (offline,
check-jsonschema's vendored copy), and doing what the issue asks: tests, synth, preflight
and change set on pull requests; dev -> staging -> prod (approved) on main; OIDC only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.configs import LAYERS
from tools.paths import REPO_ROOT
from tools.touched_environments import REAL_ENVIRONMENTS, touched

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
MAIN = WORKFLOWS / "infrastructure.yml"
DEPLOY = WORKFLOWS / "infrastructure-deploy.yml"
CHECK_JSONSCHEMA = REPO_ROOT / ".venv" / "bin" / "check-jsonschema"


ACTIONS = REPO_ROOT / ".github" / "actions"
# A pipe that is not `||`: its left side's exit code is lost without pipefail.
PIPE = re.compile(r"(?<![|])[|](?![|])")


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    if True in document or "on" in document:
        document["on"] = document.pop(True, document.get("on"))
    return document


def validate(schema: str, *paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def action(name: str) -> dict:
    return load(ACTIONS / name / "action.yml")


def steps(job: dict) -> list[dict]:
    """A job's steps, with the steps of the repository's composite actions it uses inlined."""
    found = []
    for step in job.get("steps", []):
        found.append(step)
        if step.get("uses", "").startswith("./.github/actions/"):
            found.extend(action(step["uses"].rsplit("/", 1)[1])["runs"]["steps"])
    return found


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in steps(job) if "uses" in step]


def unsafe_pipes(workflow: dict) -> list[str]:
    """Piped `run` steps whose shell does not fail on a failed pipe. GitHub's default shell is
    `bash -e {0}` (no pipefail); an explicit `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`."""
    found = []
    default = workflow.get("defaults", {}).get("run", {}).get("shell")
    for name, job in workflow["jobs"].items():
        job_default = job.get("defaults", {}).get("run", {}).get("shell", default)
        for step in steps(job):
            if "run" in step and PIPE.search(step["run"]):
                shell = step.get("shell", job_default)
                if shell != "bash" and not (shell or "").rstrip().endswith("-o pipefail {0}"):
                    found.append(f"{name}: {step.get('name', step['run'][:40])}")
    return found


def test_workflows_and_actions_match_the_github_schemas():
    result = validate("vendor.github-workflows", MAIN, DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr
    result = validate("vendor.github-actions", *sorted(ACTIONS.glob("*/action.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = load(MAIN)
    broken["jobs"]["test"]["runs-on-typo"] = broken["jobs"]["test"].pop("runs-on")
    broken["jobs"]["test"]["steps"][0] = {"uses": "actions/checkout@v4", "whith": {}}
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert validate("vendor.github-workflows", path).returncode != 0


@pytest.mark.parametrize("path", [MAIN, DEPLOY])
def test_every_piped_run_step_fails_when_the_pipe_fails(path):
    assert unsafe_pipes(load(path)) == []


def test_the_pipe_check_finds_a_piped_step_without_pipefail():
    workflow = load(MAIN)
    del workflow["defaults"]
    assert any("preflight" in found.lower() for found in unsafe_pipes(workflow))
    workflow["jobs"]["plan"]["defaults"] = {"run": {"shell": "sh"}}
    assert any(found.startswith("plan:") for found in unsafe_pipes(workflow))


def commands(step: dict) -> list[str]:
    """The commands of a run step, one per line, as written (`make test-fast` is not `make test`)."""
    return [line.strip() for line in step.get("run", "").splitlines() if line.strip()]


def failing_steps_missing(job: dict, *required: str) -> list[str]:
    """Of the required commands, those that no step of the job runs in a way whose failure
    fails the job: the command on a line of its own, the step and the job without
    `continue-on-error`."""
    if job.get("continue-on-error"):
        return list(required)
    honest = [command for step in steps(job) if not step.get("continue-on-error") for command in commands(step)]
    return [command for command in required if command not in honest]


REQUIRED = ("make setup", "make test", "make synth")


def test_pull_requests_run_the_tests_and_synthesize_every_environment():
    workflow = load(MAIN)
    assert "pull_request" in workflow["on"] and workflow["on"]["push"]["branches"] == ["main"]
    test = workflow["jobs"]["test"]
    assert failing_steps_missing(test, *REQUIRED) == []
    assert [c for step in steps(test) for c in commands(step) if c.startswith("make ")] == list(REQUIRED)
    assert any(u.startswith("hashicorp/setup-terraform@") for u in uses(test))


def test_the_tests_check_refuses_test_fast_and_a_failure_that_is_allowed():
    job = load(MAIN)["jobs"]["test"]
    step = next(step for step in job["steps"] if commands(step) == ["make test"])
    step["run"] = "make test-fast"
    assert failing_steps_missing(job, *REQUIRED) == ["make test"]
    step["run"] = "make test"
    step["continue-on-error"] = True
    assert failing_steps_missing(job, *REQUIRED) == ["make test"]
    del step["continue-on-error"]
    assert failing_steps_missing(job, *REQUIRED) == []
    job["continue-on-error"] = True
    assert failing_steps_missing(job, *REQUIRED) == list(REQUIRED)


def test_pull_requests_plan_only_the_touched_environments_and_post_the_change_set():
    jobs = load(MAIN)["jobs"]
    assert "python -m tools.touched_environments" in runs(jobs["touched"])
    plan = jobs["plan"]
    assert plan["needs"] == ["test", "touched"]
    assert plan["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.touched.outputs.environments) }}"
    assert './dailydesk preflight --env "$ENV"' in runs(plan)
    assert './dailydesk changeset "parent-$ENV" "backend-$ENV" "frontend-$ENV"' in runs(plan)
    comment = next(step for step in plan["steps"] if step.get("uses", "").startswith("actions/github-script@"))
    assert "createComment" in comment["with"]["script"] and "changeset.txt" in comment["with"]["script"]
    assert plan["permissions"]["pull-requests"] == "write"


def test_merge_to_main_deploys_dev_then_staging_then_prod():
    jobs = load(MAIN)["jobs"]
    chain = [(name, jobs[name]) for name in ("deploy-dev", "deploy-staging", "deploy-prod")]
    assert jobs["deploy-dev"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert jobs["deploy-dev"]["needs"] == ["test"]
    assert jobs["deploy-staging"]["needs"] == ["deploy-dev"]
    assert jobs["deploy-prod"]["needs"] == ["deploy-staging"]
    assert [job["with"]["environment"] for _, job in chain] == ["dev", "staging", "prod"]
    assert all(job["uses"] == "./.github/workflows/infrastructure-deploy.yml" for _, job in chain)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_workspace_is_planned_then_approved_then_applies_exactly_that_plan(layer):
    jobs = load(DEPLOY)["jobs"]
    plan, apply = jobs[f"plan-{layer}"], jobs[f"apply-{layer}"]
    # The plan holds the read-only role; the apply job's environment (required reviewers on prod)
    # holds the deploy role and gates the job after the plan.
    assert plan["environment"] == "${{ inputs.environment }}-plan"
    assert apply["environment"] == "${{ inputs.environment }}"
    assert apply["needs"] == [f"plan-{layer}"]
    assert f"needs.plan-{layer}.outputs.changes == 'true'" in apply["if"]
    assert {
        "uses": "./.github/actions/plan",
        "id": "plan",
        "with": {"stack": f"{layer}-${{{{ inputs.environment }}}}"},
    } in plan["steps"]
    # make plan writes the saved plan and, beside it, its change set (.txt for people, .json
    # with the status that decides whether the apply job runs); the apply job downloads the
    # same directory and applies that very file.
    assert './dailydesk plan "$STACK" --plan "plans/$STACK.tfplan"' in runs(plan)
    assert '"plans/$STACK.tfplan.changeset.json"' in runs(plan) and '["changeset"]["status"]' in runs(plan)
    assert '"plans/$STACK.tfplan.changeset.txt"' in runs(plan)
    upload = next(s for s in steps(plan) if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in steps(apply) if s.get("uses", "").startswith("actions/download-artifact@"))
    assert upload["with"]["name"] == download["with"]["name"] == "plan-${{ inputs.stack }}"
    assert upload["with"]["path"].rstrip("/") == download["with"]["path"].rstrip("/") == "plans"
    assert 'exec ./dailydesk apply "$STACK" --plan "plans/$STACK.tfplan"' in runs(apply)
    assert "make deploy" not in runs(apply) and "make plan" not in runs(apply)


def test_backend_and_frontend_are_planned_after_the_parent_is_applied():
    jobs = load(DEPLOY)["jobs"]
    for layer in ("backend", "frontend"):
        assert jobs[f"plan-{layer}"]["needs"] == ["plan-parent", "apply-parent"]
        # A parent without changes skips its apply; a failed parent apply stops the wave.
        assert "needs.apply-parent.result != 'failure'" in jobs[f"plan-{layer}"]["if"]
    assert "./dailydesk preflight" in runs(jobs["plan-parent"])


def test_aws_access_is_oidc_role_assumption_only():
    for path in (MAIN, DEPLOY, *ACTIONS.glob("*/action.yml")):
        text = path.read_text()
        assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text
        assert "aws-access-key-id" not in text and "aws-secret-access-key" not in text
    for path in (MAIN, DEPLOY):
        workflow = load(path)
        for name, job in workflow["jobs"].items():
            for step in steps(job):
                if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
                    assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}", name
                    permissions = job.get("permissions") or workflow["permissions"]
                    assert permissions["id-token"] == "write", name
    assert load(MAIN)["permissions"] == {"contents": "read"}


DRIFT_CRON = "17 5 * * 1-5"
KEYS_CRON = "47 */3 * * *"


def step_named(job: dict, command: str) -> tuple[int, dict]:
    """The index and the step of `job` whose `run` holds `command` (exactly one)."""
    (found,) = [(index, step) for index, step in enumerate(job["steps"]) if command in step.get("run", "")]
    return found


def test_drift_runs_on_a_schedule_for_every_real_environment():
    """dev too: its state is in Terraform Cloud, so its refresh-only plans are remote runs queued
    with the plan-only token of `dev-plan`."""
    workflow = load(MAIN)
    assert [entry["cron"] for entry in workflow["on"]["schedule"]] == [DRIFT_CRON, KEYS_CRON]
    drift = workflow["jobs"]["drift"]
    assert drift["strategy"]["matrix"]["environment"] == list(REAL_ENVIRONMENTS)
    assert drift["environment"] == "${{ matrix.environment }}-plan"
    assert f"github.event.schedule == '{DRIFT_CRON}'" in drift["if"]
    assert "github.event_name == 'workflow_dispatch'" in drift["if"]
    assert drift["env"]["TF_TOKEN_app_terraform_io"] == "${{ secrets.TF_PLAN_TOKEN }}"
    assert secrets_of(drift, workflow) == {"TF_PLAN_TOKEN"}
    assert './dailydesk drift --env "$ENV"' in runs(drift)


def test_drift_leaves_the_keys_to_the_keys_job_and_fails_on_anything_else():
    """The plan role may not read a secret value: drift's key rows are "cannot check" (exit 8).
    Only that code is let through, saying where the keys are checked; drift (2) and errors (1)
    fail the job with drift's own code."""
    workflow = load(MAIN)
    _, step = step_named(workflow["jobs"]["drift"], "./dailydesk drift")
    script = step["run"]
    assert "code=${PIPESTATUS[0]}" in script and script.rstrip().endswith('exit "$code"')
    exempt = script[script.index('if [ "$code" -eq 8 ]') :]
    assert "'API keys ($ENV)'" in exempt and "exit 0" in exempt
    assert exempt.count("-eq") == 1, "no other code is let through"
    # The keys job runs on the drift's schedule too, so "this run" holds it.
    assert workflow["jobs"]["keys"]["name"] == "API keys (${{ matrix.environment }})"
    assert "github.event_name == 'schedule'" in workflow["jobs"]["keys"]["if"]


def test_the_api_keys_action_syncs_then_checks():
    """Sync, then check (also after a failed sync, and showing its table); each ends with its
    command's own exit code, so either fails the job."""
    (sync, check) = action("api-keys")["runs"]["steps"]
    assert sync["run"] == './dailydesk sync-api-keys --env "$KEYS_ENV"'
    assert './dailydesk check-api-keys --env "$KEYS_ENV" | tee keys.txt' in check["run"]
    assert check["if"] == "${{ !cancelled() }}"
    assert "continue-on-error" not in sync and "continue-on-error" not in check
    assert "code=${PIPESTATUS[0]}" in check["run"] and check["run"].rstrip().endswith('exit "$code"')
    for step in (sync, check):
        assert step["env"]["KEYS_ENV"] == "${{ inputs.environment }}"


def uses_the_api_keys_action(job: dict, environment: str) -> bool:
    step = next((s for s in job["steps"] if s.get("uses") == "./.github/actions/api-keys"), None)
    return step is not None and step["with"] == {"environment": environment}


def test_the_keys_are_synced_then_checked_on_a_schedule_with_the_keys_role():
    """A rotated secret reaches its connection without a deploy, and a placeholder that a
    `cdktf deploy` or a Terraform Cloud run put back is replaced: every real environment, in
    the GitHub environment `<env>-keys` (the keys role, no reviewers), every 3 hours."""
    workflow = load(MAIN)
    keys = workflow["jobs"]["keys"]
    assert keys["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    assert keys["strategy"]["matrix"]["environment"] == list(REAL_ENVIRONMENTS)
    assert keys["strategy"]["fail-fast"] is False
    assert keys["environment"] == "${{ matrix.environment }}-keys"
    assert keys["permissions"] == {"contents": "read", "id-token": "write"}
    assert uses_the_api_keys_action(keys, "${{ matrix.environment }}")
    # No secret at all: the key commands call AWS only (no Terraform Cloud token).
    assert secrets_of(keys, workflow) == set()
    credentials = next(s for s in keys["steps"] if s.get("uses", "").startswith("aws-actions/"))
    assert credentials["with"]["role-session-name"].startswith("dailydesk-keys-")


def test_a_backend_without_changes_gets_its_keys_synced_by_the_keys_role():
    """No changes, no apply job, no engine sync: `keys-backend` syncs and checks instead, with
    the keys role (no approval). A backend with changes is the apply job's."""
    deploy = load(DEPLOY)
    keys = deploy["jobs"]["keys-backend"]
    assert keys["needs"] == ["plan-backend"]
    assert keys["if"] == (
        "${{ !cancelled() && needs.plan-backend.result == 'success' && needs.plan-backend.outputs.changes != 'true' }}"
    )
    assert keys["environment"] == "${{ inputs.environment }}-keys"
    assert uses_the_api_keys_action(keys, "${{ inputs.environment }}")
    assert secrets_of(keys, deploy) == set()


def test_every_backend_apply_checks_the_keys_with_the_deploy_role():
    """After the engine's apply (and its sync) of the backend, `check-api-keys` in the same job,
    with the deploy role; any code but 0 fails the job. Not in the parent's or frontend's."""
    jobs = load(DEPLOY)["jobs"]
    apply = jobs["apply-backend"]
    assert apply["environment"] == "${{ inputs.environment }}"
    apply_index = next(i for i, s in enumerate(apply["steps"]) if s.get("uses") == "./.github/actions/apply")
    check_index, check = step_named(apply, "check-api-keys")
    assert check_index > apply_index
    assert check["run"].strip() == './dailydesk check-api-keys --env "$ENV"'
    assert check["if"] == "${{ !cancelled() }}" and "continue-on-error" not in check
    for layer in ("parent", "frontend"):
        assert "check-api-keys" not in runs(jobs[f"apply-{layer}"])


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
        (["stacks/backend/api.py", "config/environments/prod.toml"], ["dev", "staging", "prod"]),
    ],
)
def test_touched_environments(paths, expected):
    assert touched(paths) == expected


# ------------------------------------------------------------------- hardening (issue 22)

WORKFLOW_FILES = (MAIN, DEPLOY)
ACTION_FILES = tuple(sorted(ACTIONS.glob("*/action.yml")))
# `uses: owner/repo[/path]@<40 hex> # v1.2.3`: a commit cannot move, a tag can.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
COMMIT = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<target>.+?)\s*$")
# What a job with an OIDC token must not run: installers that fetch whatever is newest.
UNPINNED_RUNS = re.compile(r"\b(pip install|npx|npm install|curl|wget)\b")
# The time a deploy job needs besides the engine: checkout, toolchain (`make setup`), the plan's
# download, the preflight.
SETUP_MINUTES = 15


def all_jobs() -> list[tuple[Path, str, dict, dict]]:
    found = []
    for path in WORKFLOW_FILES:
        workflow = load(path)
        found.extend((path, name, job, workflow) for name, job in workflow["jobs"].items())
    return found


def holds_an_oidc_token(job: dict, workflow: dict) -> bool:
    permissions = job.get("permissions", workflow.get("permissions", {}))
    return isinstance(permissions, dict) and permissions.get("id-token") == "write"


def secrets_of(job: dict, workflow: dict) -> set[str]:
    """The secrets a job can see: in its env, its steps' env and inputs, and the workflow's env."""
    text = yaml.safe_dump([workflow.get("env", {}), job.get("env", {}), job.get("secrets", {}), job.get("steps", [])])
    return set(re.findall(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)", text))


def test_every_third_party_action_is_pinned_to_a_commit_with_its_version():
    found = []
    for path in (*WORKFLOW_FILES, *ACTION_FILES):
        for line in path.read_text().splitlines():
            match = USES_LINE.match(line)
            if match and not match["target"].startswith("./"):
                found.append(match["target"])
                assert PINNED.match(match["target"]), f"{path.name}: {match['target']}"
    # The check sees every third-party action the workflows use.
    names = {target.split("@")[0] for target in found}
    assert {
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "hashicorp/setup-terraform",
        "aws-actions/configure-aws-credentials",
        "actions/upload-artifact",
        "actions/download-artifact",
        "actions/github-script",
    } == names


def test_the_pin_check_refuses_a_tag_a_branch_and_a_short_sha():
    for target in ("actions/checkout@v4", "actions/checkout@main", "actions/checkout@11d5960", "a/b@" + "0" * 40):
        assert not PINNED.match(target)
    assert PINNED.match("actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0")


def test_jobs_holding_an_oidc_token_run_nothing_unpinned():
    holding = []
    for path, name, job, workflow in all_jobs():
        if "uses" in job or not holds_an_oidc_token(job, workflow):
            continue  # a reusable workflow's jobs are checked in their own file
        holding.append(name)
        for step in steps(job):
            target = step.get("uses", "")
            assert not target or target.startswith("./") or COMMIT.fullmatch(target), (path.name, name, target)
            assert not UNPINNED_RUNS.search(step.get("run", "")), (path.name, name, step.get("run"))
    assert {
        "plan",
        "drift",
        "keys",
        "plan-parent",
        "apply-parent",
        "apply-backend",
        "keys-backend",
        "apply-frontend",
    } <= set(holding)


def test_job_gates_honour_a_cancel():
    """`always()` runs after a cancel; `!cancelled()` does not."""
    gates = [job.get("if", "") for _, _, job, _ in all_jobs()]
    gates += [step.get("if", "") for _, _, job, _ in all_jobs() for step in steps(job)]
    assert any("cancelled()" in gate for gate in gates)
    assert not [gate for gate in gates if "always()" in str(gate)]
    jobs = load(DEPLOY)["jobs"]
    for name in ("plan-backend", "plan-frontend", "apply-backend", "apply-frontend"):
        assert jobs[name]["if"].startswith("${{ !cancelled() && "), name


def test_every_checkout_drops_its_credentials():
    checkouts = 0
    for path, name, job, _ in all_jobs():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                checkouts += 1
                assert step.get("with", {}).get("persist-credentials") is False, (path.name, name)
    assert checkouts == 12


def test_pull_requests_and_plans_never_hold_the_token_that_applies():
    """The plan-only Terraform Cloud team token (TF_PLAN_TOKEN, a secret of `dev-plan`) in
    pull requests and plan jobs; the token that applies (TF_API_TOKEN, a secret of `dev`,
    which only `main` deploys) in dev's apply jobs only; no secret passed on wholesale."""
    main = load(MAIN)
    assert "env" not in main or not secrets_of({}, main)
    for name, job in main["jobs"].items():
        assert "TF_API_TOKEN" not in secrets_of(job, main), name
        assert job.get("secrets") != "inherit", name
    assert secrets_of(main["jobs"]["plan"], main) == {"TF_PLAN_TOKEN"}
    assert main["jobs"]["plan"]["environment"] == "${{ matrix.environment }}-plan"
    deploy = load(DEPLOY)
    assert not secrets_of({}, deploy), "no secret at the workflow level"
    for name, job in deploy["jobs"].items():
        if name.startswith("plan-"):
            assert secrets_of(job, deploy) == {"TF_PLAN_TOKEN"}, name
            assert job["environment"] == "${{ inputs.environment }}-plan"
        elif name.startswith("keys-"):
            # The keys role's environment: no token at all (the key commands call AWS only).
            assert secrets_of(job, deploy) == set(), name
            assert job["environment"] == "${{ inputs.environment }}-keys"
        else:
            assert name.startswith("apply-") and job["environment"] == "${{ inputs.environment }}"
            assert secrets_of(job, deploy) == {"TF_API_TOKEN"}, name
            assert job["env"]["TF_TOKEN_app_terraform_io"] == (
                "${{ inputs.environment == 'dev' && secrets.TF_API_TOKEN || '' }}"
            )
            assert "TF_API_TOKEN" not in yaml.safe_dump(job["steps"])


def test_apply_jobs_outlive_the_engine_timeout_and_its_rollback():
    """The engine cancels an apply (with its rollout wait) after [deploy] timeout_minutes,
    watches the rollback triggers for [deploy] monitor_minutes after it, and rolls back (as
    long as the timeout again at most): the runner must not kill it first."""
    from config import load_environment

    jobs = load(DEPLOY)["jobs"]
    appliers = [job for name, job in jobs.items() if name.startswith("apply-")]
    assert len(appliers) == 3
    for environment in REAL_ENVIRONMENTS:
        deploy = load_environment(environment).deploy
        budget = 2 * deploy.timeout_minutes + deploy.monitor_minutes + SETUP_MINUTES
        for job in appliers:
            assert job["timeout-minutes"] >= budget, (environment, budget)


def test_the_engine_is_the_apply_steps_own_process():
    """`exec`: the runner's SIGINT/SIGTERM on a cancel reach the engine, not a bash or make."""
    (step,) = [s for s in action("apply")["runs"]["steps"] if "run" in s]
    commands = [line.strip() for line in step["run"].splitlines() if line.strip() and not line.strip().startswith("#")]
    assert commands[-1].startswith("exec ./dailydesk apply ")
    assert not any(c.startswith("make ") for c in commands)


def test_day_2_states_the_deployment_branch_policy_of_every_github_environment():
    """The deploy roles trust a job by its GitHub environment alone; which branches may use
    that environment is a repository setting, stated in docs/operations/day-2.md for each
    environment the workflows name: only `main` deploys dev, staging and prod."""
    text = (REPO_ROOT / "docs" / "operations" / "day-2.md").read_text()
    rows = {
        name: cells
        for line in text.splitlines()
        if line.startswith("| `")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
        for name in re.findall(r"`([a-z-]+)`", cells[0])
    }
    for environment in REAL_ENVIRONMENTS:
        assert rows[environment][1] == "`main` only", environment
        assert rows[f"{environment}-plan"][1].startswith("any"), environment
        # The keys role writes the connections' keys: only `main`, and no reviewers (it runs
        # on a schedule, which must not wait for an approval).
        assert rows[f"{environment}-keys"][1] == "`main` only", environment
        assert rows[f"{environment}-keys"][2] == "no", environment
        assert rows[f"{environment}-keys"][3] == "none", environment
    # Every environment a job runs in is one of them.
    named = {job.get("environment", "") for _, _, job, _ in all_jobs()} - {""}
    assert named == {
        "${{ matrix.environment }}-plan",
        "${{ matrix.environment }}-keys",
        "${{ inputs.environment }}-plan",
        "${{ inputs.environment }}-keys",
        "${{ inputs.environment }}",
    }


def test_the_docs_say_what_must_follow_an_apply_outside_the_engine():
    """`cdktf deploy` and a Terraform Cloud run put the placeholder into the connections and
    never run the engine's sync: README's deploying section and terraform-cloud.md say to run
    the sync and the check, and that the scheduled job converges within its period (the cron)."""
    hours = int(KEYS_CRON.split()[1].removeprefix("*/"))
    readme = (REPO_ROOT / "README.md").read_text()
    deploying = readme[readme.index("## Deploying to a real AWS account") : readme.index("## Versions")]
    cloud = (REPO_ROOT / "docs" / "operations" / "terraform-cloud.md").read_text()
    for text in (deploying, cloud):
        assert "cdktf deploy" in text and "Terraform Cloud run" in text
        assert "./dailydesk sync-api-keys --env" in text and "./dailydesk check-api-keys --env" in text
        assert f"every {hours} hours" in text
