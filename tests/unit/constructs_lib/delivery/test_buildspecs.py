"""The buildspec files: valid YAML, syntactically valid bash, the commands the issue asks
for, every variable they use provided by their project, and each file used by a project."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from constructs_lib.delivery.codebuild_project import BUILDSPEC_DIR, buildspec, terraform_literal
from tests.synth import body
from tests.unit.constructs_lib.delivery.synth_helpers import variables

# file -> (workspace, project construct path)
USED_BY = {
    "backend-build.yml": ("backend", "pipeline/build/project"),
    "backend-migrations.yml": ("backend", "pipeline/migrations/project"),
    "frontend-build.yml": ("frontend", "pipeline/build/project"),
    "frontend-deploy.yml": ("frontend", "pipeline/deploy/project"),
}
# Set by CodeBuild itself, by the pipeline's action, or by the script.
BUILT_IN = {"AWS_REGION", "CODEBUILD_RESOLVED_SOURCE_VERSION", "COMMIT_ID"}


def spec(name: str) -> dict:
    return yaml.safe_load(buildspec(name))


def script(name: str) -> str:
    return "\n".join(command for phase in spec(name)["phases"].values() for command in phase.get("commands", []))


def test_terraform_literal_escapes_interpolation_and_directives():
    assert terraform_literal('echo "${A}" %{x} $B') == 'echo "$${A}" %%{x} $B'


def test_every_buildspec_file_is_used_by_a_project():
    assert {path.name for path in BUILDSPEC_DIR.glob("*.yml")} == set(USED_BY)


@pytest.mark.parametrize("name", sorted(USED_BY))
def test_buildspec_is_valid_yaml_version_0_2_with_bash(name):
    document = spec(name)
    assert document["version"] == 0.2
    assert document["env"]["shell"] == "bash"
    assert set(document["phases"]) <= {"install", "pre_build", "build", "post_build"}


@pytest.mark.parametrize("name", sorted(USED_BY))
def test_buildspec_commands_are_valid_bash(name):
    result = subprocess.run(["bash", "-n"], input=script(name), text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(USED_BY))
@pytest.mark.parametrize("env", ["prod", "local"])
def test_project_carries_the_file_and_provides_every_variable_it_reads(synthesized, name, env):
    layer, path = USED_BY[name]
    project = body(synthesized[f"{layer}-{env}"], "aws_codebuild_project", path)
    # Escaped so that Terraform passes the shell's ${VAR} through untouched.
    assert project["source"]["buildspec"] == terraform_literal((BUILDSPEC_DIR / name).read_text())
    assert "${" not in project["source"]["buildspec"].replace("$${", "")
    text = script(name)
    assigned = set(re.findall(r"(?:^|[\s;(])([A-Z_][A-Z0-9_]*)=", text))
    declared = set(spec(name)["env"].get("variables", {}))
    read = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", text))
    missing = read - assigned - declared - BUILT_IN - set(variables(project))
    assert not missing, f"{name} reads {sorted(missing)} that nobody sets"


def test_backend_build_uses_the_node_base_image_tags_with_the_commit_and_emits_image_definitions():
    text = script("backend-build.yml")
    assert 'NODE_IMAGE="${NODE_REPOSITORY}:${NODE_IMAGE_TAG}"' in text
    assert '--build-arg NODE_IMAGE="$NODE_IMAGE"' in text
    assert 'IMAGE_TAG="$(echo "$COMMIT_ID" | cut -c1-12)"' in text
    assert 'docker push "${REPOSITORY_URI}:${IMAGE_TAG}"' in text
    assert "> imagedefinitions.json" in text
    assert '"name":"%s","imageUri":"%s"' in text
    assert spec("backend-build.yml")["artifacts"]["files"] == ["imagedefinitions.json"]


def test_migrations_run_the_migration_script_after_checking_the_database_is_reachable():
    phases = spec("backend-migrations.yml")["phases"]
    assert phases["build"]["commands"] == ["npm run migration:run"]
    assert any("/dev/tcp/${DB_HOST}/${DB_PORT}" in c for c in phases["pre_build"]["commands"])
    assert "artifacts" not in spec("backend-migrations.yml")


def test_frontend_build_builds_the_three_apps_with_the_api_url():
    document = spec("frontend-build.yml")
    assert document["env"]["variables"]["APPS"].split() == ["web", "tablet", "booking"]
    text = script("frontend-build.yml")
    assert 'REACT_APP_API_URL="$API_URL" npm run build' in text
    assert document["artifacts"] == {"base-directory": "dist", "files": ["**/*"]}


def test_frontend_deploy_syncs_with_delete_sets_cache_headers_and_invalidates():
    document = spec("frontend-deploy.yml")
    cache = document["env"]["variables"]
    assert cache["HASHED_CACHE_CONTROL"] == "public, max-age=31536000, immutable"
    assert cache["INDEX_CACHE_CONTROL"] == "no-cache, no-store, must-revalidate"
    text = script("frontend-deploy.yml")
    assert text.count("--delete") == 2  # non-hashed files, then stale hashed assets last
    assert 'aws s3 cp "$app/index.html" "s3://$bucket/index.html" --cache-control "$INDEX_CACHE_CONTROL"' in text
    assert 'aws s3 sync "$app/static" "s3://$bucket/static" --cache-control "$HASHED_CACHE_CONTROL"' in text
    assert 'aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*"' in text
    # index.html goes up after the assets it points at, and stale assets go only after it.
    assert text.index("s3 cp") > text.index('sync "$app/static"')
    assert text.rindex('--delete --cache-control "$HASHED_CACHE_CONTROL"') > text.index("s3 cp")
    for app in ("web", "tablet", "booking"):
        upper = app.upper()
        assert f'publish {app} "${upper}_BUCKET" "${upper}_DISTRIBUTION_ID"' in text
