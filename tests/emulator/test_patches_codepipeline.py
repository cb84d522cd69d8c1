import json

import pytest

from tests.emulator import aws

pytestmark = pytest.mark.emulator

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def two_stage_pipeline(name: str, role: str) -> dict:
    """An S3 source (bucket pipe-artifacts) and a CodeBuild build, as CreatePipeline takes it."""
    source = {
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "pipe-artifacts", "S3ObjectKey": "src.zip"},
        "outputArtifacts": [{"name": "src"}],
    }
    build = {
        "name": "Build",
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": "p"},
        "inputArtifacts": [{"name": "src"}],
    }
    return {
        "name": name,
        "roleArn": role,
        "artifactStore": {"type": "S3", "location": "pipe-artifacts"},
        "stages": [{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}],
    }


@pytest.fixture(scope="module")
def pipeline(emulator_endpoint):
    role = aws("iam", emulator_endpoint).create_role(RoleName="pipe-role", AssumeRolePolicyDocument=ROLE_POLICY)[
        "Role"
    ]["Arn"]
    aws("s3", emulator_endpoint).create_bucket(Bucket="pipe-artifacts")
    client = aws("codepipeline", emulator_endpoint)
    client.create_pipeline(pipeline=two_stage_pipeline("pipe", role))
    yield client
    client.delete_pipeline(name="pipe")


def raw_json(client, operation: str, **params) -> dict:
    """The response body as sent, before botocore parses it (it accepts ISO strings too)."""
    captured = {}
    client.meta.events.register(
        f"after-call.codepipeline.{operation}", lambda http_response, **_: captured.update(body=http_response.text)
    )
    getattr(client, operation[0].lower() + "".join("_" + c.lower() if c.isupper() else c for c in operation[1:]))(
        **params
    )
    return json.loads(captured["body"])


def test_metadata_timestamps_are_epoch_numbers(pipeline):
    metadata = raw_json(pipeline, "GetPipeline", name="pipe")["metadata"]
    assert isinstance(metadata["created"], (int, float)) and isinstance(metadata["updated"], (int, float))
    assert metadata["created"] > 1_600_000_000
    listed = raw_json(pipeline, "ListPipelines")["pipelines"][0]
    assert isinstance(listed["created"], (int, float)) and isinstance(listed["updated"], (int, float))


def test_execution_timestamps_are_epoch_numbers(pipeline):
    pipeline.start_pipeline_execution(name="pipe")
    summary = raw_json(pipeline, "ListPipelineExecutions", pipelineName="pipe")["pipelineExecutionSummaries"][0]
    assert isinstance(summary["startTime"], (int, float)) and isinstance(summary["lastUpdateTime"], (int, float))


def test_role_trusting_a_list_of_services(emulator_endpoint):
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]},
                }
            ],
        }
    )
    role = aws("iam", emulator_endpoint).create_role(RoleName="pipe-list-role", AssumeRolePolicyDocument=trust)["Role"][
        "Arn"
    ]
    client = aws("codepipeline", emulator_endpoint)
    created = client.create_pipeline(pipeline=two_stage_pipeline("pipe-list", role))
    assert created["pipeline"]["roleArn"] == role
    client.delete_pipeline(name="pipe-list")
