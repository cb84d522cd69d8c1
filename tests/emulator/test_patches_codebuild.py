import json

import pytest

from tests.emulator import aws

pytestmark = pytest.mark.emulator

ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture(scope="module")
def role(emulator_endpoint):
    iam = aws("iam", emulator_endpoint)
    arn = iam.create_role(RoleName="build-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    yield arn
    iam.delete_role(RoleName="build-role")


def test_codepipeline_source_and_artifacts_need_no_location(emulator_endpoint, role):
    client = aws("codebuild", emulator_endpoint)
    project = client.create_project(
        name="pipeline-fed",
        source={"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
        artifacts={"type": "CODEPIPELINE"},
        environment=ENVIRONMENT,
        serviceRole=role,
    )["project"]
    assert project["source"]["type"] == "CODEPIPELINE" and "location" not in project["source"]
    assert project["artifacts"]["type"] == "CODEPIPELINE"
    client.delete_project(name="pipeline-fed")


def test_delete_project_by_arn(emulator_endpoint, role):
    client = aws("codebuild", emulator_endpoint)
    arn = client.create_project(
        name="by-arn",
        source={"type": "NO_SOURCE", "buildspec": "version: 0.2"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=ENVIRONMENT,
        serviceRole=role,
    )["project"]["arn"]
    client.delete_project(name=arn)
    assert client.batch_get_projects(names=[arn, "by-arn"])["projects"] == []
    assert "by-arn" not in client.list_projects()["projects"]


def test_project_keeps_its_encryption_key(emulator_endpoint, role):
    client = aws("codebuild", emulator_endpoint)
    key = "arn:aws:kms:us-east-1:123456789012:key/668c00b7-02f4-4a72-9625-ca646ac80b17"
    client.create_project(
        name="encrypted",
        source={"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
        artifacts={"type": "CODEPIPELINE"},
        environment=ENVIRONMENT,
        serviceRole=role,
        encryptionKey=key,
    )
    assert client.batch_get_projects(names=["encrypted"])["projects"][0]["encryptionKey"] == key
    client.delete_project(name="encrypted")
