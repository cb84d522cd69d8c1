"""The frontend workspace: the frontend-ci-pipeline over hosting it references, never creates."""

from __future__ import annotations

import pytest

from config import load_environment
from constructs_lib.delivery.codebuild_project import buildspec, terraform_literal
from tests.synth import body, data_sources, parent_output, ref, resources, statements
from tests.unit.constructs_lib.delivery.synth_helpers import (
    PIPELINE_ENVIRONMENTS,
    documents_under,
    encrypted_artifact_store,
    pipeline,
    variables,
)
from workspace.contracts import FRONTEND_CONTRACT
from workspace.naming import logical_id

APPS = (
    ("web", "s3/website-bucket-name", "cloudfront/distribution-id"),
    ("tablet", "s3/tablet-bucket-name", "cloudfront/tablet-distribution-id"),
    ("booking", "s3/booking-bucket-name", "cloudfront/booking-distribution-id"),
)


def bucket_ref(stack: dict, app: str, attribute: str) -> str:
    return ref(stack, "aws_s3_bucket", f"hosting/{app}-bucket", attribute, data=True)


def distribution_ref(stack: dict, app: str, attribute: str) -> str:
    return ref(stack, "aws_cloudfront_distribution", f"hosting/{app}-distribution", attribute, data=True)


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_hosting_is_only_referenced_never_created(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    assert resources(stack, "aws_cloudfront_distribution") == {}
    # The one bucket resource is the pipeline's own artifact store, not a hosting bucket.
    (artifacts,) = resources(stack, "aws_s3_bucket").values()
    assert artifacts["//"]["metadata"]["path"].endswith("/pipeline-artifacts/bucket")
    hosting = load_environment(env).hosting
    assert artifacts["bucket"] not in hosting.buckets().values()
    assert len(data_sources(stack, "aws_s3_bucket")) == 3
    assert len(data_sources(stack, "aws_cloudfront_distribution")) == 3


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_hosting_names_and_ids_come_from_the_parent(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    for app, bucket_parameter, distribution_parameter in APPS:
        assert body(stack, "aws_s3_bucket", f"hosting/{app}-bucket", data=True)["bucket"] == parent_output(
            stack, "parameter_values", bucket_parameter
        )
        assert body(stack, "aws_cloudfront_distribution", f"hosting/{app}-distribution", data=True)["id"] == (
            parent_output(stack, "parameter_values", distribution_parameter)
        )


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_stages_run_source_build_deploy_in_order(synthesized, env):
    stack, config = synthesized[f"frontend-{env}"], load_environment(env)
    p = pipeline(stack)
    assert p["name"] == f"dailydesk-{env}-frontend-ci-pipeline"
    assert p["pipeline_type"] == "V2"
    assert [
        (
            s["name"],
            [(a["name"], a["provider"], a.get("input_artifacts"), a.get("output_artifacts")) for a in s["action"]],
        )
        for s in p["stage"]
    ] == [
        ("Source", [("Source", "CodeStarSourceConnection", None, ["source"])]),
        ("Build", [("Apps", "CodeBuild", ["source"], ["apps"])]),
        ("Deploy", [("Publish", "CodeBuild", ["apps"], None)]),
    ]
    source = p["stage"][0]["action"][0]["configuration"]
    assert (source["ConnectionArn"], source["FullRepositoryId"], source["BranchName"]) == (
        config.pipelines.connection_arn, config.pipelines.frontend_repository, config.pipelines.frontend_branch,
    )  # fmt: skip
    assert p["stage"][1]["action"][0]["configuration"] == {
        "ProjectName": ref(stack, "aws_codebuild_project", "pipeline/build/project", "name")
    }
    assert p["stage"][2]["action"][0]["configuration"] == {
        "ProjectName": ref(stack, "aws_codebuild_project", "pipeline/deploy/project", "name")
    }
    assert p["artifact_store"] == encrypted_artifact_store(stack, "pipeline-artifacts")


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_build_bakes_in_the_api_url_parameter(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    project = body(stack, "aws_codebuild_project", "pipeline/build/project")
    assert project["source"] == {
        "type": "CODEPIPELINE",
        "buildspec": terraform_literal(buildspec("frontend-build.yml")),
    }
    assert variables(project) == {"API_URL": ("PARAMETER_STORE", f"/dailydesk/{env}/frontend/env/api-url")}
    assert statements(stack, "pipeline/build/role-policy-document")["ReadOwnParameters"]["resources"] == [
        parent_output(stack, "parameter_arns", "frontend/env/api-url")
    ]


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_deploy_gets_each_apps_bucket_and_distribution(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    project = body(stack, "aws_codebuild_project", "pipeline/deploy/project")
    assert project["source"] == {
        "type": "CODEPIPELINE",
        "buildspec": terraform_literal(buildspec("frontend-deploy.yml")),
    }
    expected = {}
    for app, _, _ in APPS:
        expected[f"{app.upper()}_BUCKET"] = ("PLAINTEXT", bucket_ref(stack, app, "bucket"))
        expected[f"{app.upper()}_DISTRIBUTION_ID"] = ("PLAINTEXT", distribution_ref(stack, app, "id"))
    assert variables(project) == expected


def test_only_the_deploy_role_touches_hosting_and_only_the_named_arns(synthesized):
    stack = synthesized["frontend-prod"]
    deploy = statements(stack, "pipeline/deploy/role-policy-document")
    assert deploy["ListHostingBuckets"] == {
        "sid": "ListHostingBuckets",
        "effect": "Allow",
        "actions": ["s3:ListBucket"],
        "resources": [bucket_ref(stack, app, "arn") for app, _, _ in APPS],
    }
    assert deploy["WriteHostingObjects"] == {
        "sid": "WriteHostingObjects",
        "effect": "Allow",
        "actions": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        "resources": [bucket_ref(stack, app, "arn") + "/*" for app, _, _ in APPS],
    }
    assert deploy["InvalidateDistributions"] == {
        "sid": "InvalidateDistributions",
        "effect": "Allow",
        "actions": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
        "resources": [distribution_ref(stack, app, "arn") for app, _, _ in APPS],
    }
    for path in ("pipeline/build/role-policy-document", "pipeline/role-policy-document"):
        found = statements(stack, path).values()
        assert not any(a.startswith("cloudfront:") or a == "s3:DeleteObject" for s in found for a in s["actions"]), path
        assert not any("data.aws_s3_bucket" in r or "cloudfront" in r for s in found for r in s["resources"]), path


def test_no_policy_of_the_pipeline_allows_a_wildcard_action_or_resource(synthesized):
    stack = synthesized["frontend-prod"]
    documents = dict(documents_under(stack, "/pipeline/"))
    assert len(documents) == 6
    for key, document in documents.items():
        for statement in document["statement"]:
            assert statement.get("effect", "Allow") == "Allow", key
            assert not any("*" in action for action in statement["actions"]), (key, statement)
            assert "*" not in statement.get("resources", []), (key, statement)


def test_pipeline_role_is_scoped_to_its_bucket_connection_and_builds(synthesized):
    stack, config = synthesized["frontend-prod"], load_environment("prod")
    found = statements(stack, "pipeline/role-policy-document")
    bucket = ref(stack, "aws_s3_bucket", "pipeline-artifacts/bucket", "arn")
    assert found["ArtifactObjects"]["resources"] == [f"{bucket}/*"]
    assert found["ArtifactBucket"]["resources"] == [bucket]
    assert found["ArtifactKey"]["resources"] == [ref(stack, "aws_kms_key", "pipeline-artifacts/key/key", "arn")]
    assert found["UseSourceConnection"]["resources"] == [config.pipelines.connection_arn]
    assert found["RunOwnBuilds"]["resources"] == [
        ref(stack, "aws_codebuild_project", "pipeline/build/project", "arn"),
        ref(stack, "aws_codebuild_project", "pipeline/deploy/project", "arn"),
    ]
    assert set(found) == {"ArtifactObjects", "ArtifactBucket", "ArtifactKey", "UseSourceConnection", "RunOwnBuilds"}


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_outputs_are_the_named_and_described_contract(synthesized, env):
    stack = synthesized[f"frontend-{env}"]
    assert {name: output["description"] for name, output in stack["output"].items()} == {
        name: spec.description for name, spec in FRONTEND_CONTRACT.outputs.items()
    }
    assert stack["output"]["pipeline_name"]["value"] == ref(stack, "aws_codepipeline", "pipeline/pipeline", "name")
    assert stack["output"]["pipeline_artifact_bucket"]["value"] == ref(
        stack, "aws_s3_bucket", "pipeline-artifacts/bucket", "bucket"
    )


def test_the_renamed_artifact_bucket_is_moved_not_replaced(synthesized):
    """`artifacts` became `pipeline-artifacts`: every resource of it has a moved block from
    its former address, so no deployed environment replaces its bucket or key."""
    stack = synthesized["frontend-prod"]
    moved = {block["to"]: block["from"] for block in stack["moved"]}
    renamed = {
        f"{rtype}.{name}": body_["//"]["metadata"]["path"]
        for rtype, items in stack["resource"].items()
        for name, body_ in items.items()
        if "/pipeline-artifacts/" in body_["//"]["metadata"]["path"]
    }
    assert len(renamed) == 8 and set(moved) == set(renamed)
    for address, path in renamed.items():
        rtype = address.split(".")[0]
        former = ("artifacts", *path.split("/")[2:])
        assert moved[address] == f"{rtype}.{logical_id(former)}"
    assert moved[ref(stack, "aws_s3_bucket", "pipeline-artifacts/bucket", "id")[2:-4]] == (
        "aws_s3_bucket.artifacts_bucket_A41425E9"
    )


def test_frontend_resource_counts(synthesized):
    counts = {t: len(v) for t, v in synthesized["frontend-prod"]["resource"].items()}
    assert counts == {
        "aws_cloudwatch_event_rule": 1,
        "aws_cloudwatch_event_target": 1,
        "aws_cloudwatch_log_group": 2,
        "aws_codebuild_project": 2,
        "aws_codepipeline": 1,
        "aws_iam_role": 3,
        "aws_iam_role_policy": 3,
        # The artifacts' key and the log groups' key.
        "aws_kms_alias": 2,
        "aws_kms_key": 2,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_lifecycle_configuration": 1,
        "aws_s3_bucket_policy": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_versioning": 1,
    }
