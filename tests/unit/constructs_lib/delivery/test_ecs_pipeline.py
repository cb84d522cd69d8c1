"""The backend's ecs-pipeline: stages, builds, migrations in the VPC, least-privilege IAM."""

from __future__ import annotations

import json

import pytest

from config import load_environment
from constructs_lib.delivery.codebuild_project import buildspec, terraform_literal
from tests.synth import body, parent_output, ref, resources, statements
from tests.unit.constructs_lib.delivery.synth_helpers import (
    PIPELINE_ENVIRONMENTS,
    documents_under,
    encrypted_artifact_store,
    pipeline,
    variables,
)

# Actions AWS offers no resource-level permission for: the only ones allowed on "*", and
# then only under a condition (this region, or this cluster).
UNSCOPED_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTasks",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
}
ACCOUNT = "arn:aws:ecs:us-east-1:444455556666"


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_stages_run_source_build_migrate_deploy_in_order(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    stages = pipeline(stack)["stage"]
    assert [(s["name"], [(a["name"], a["category"], a["provider"]) for a in s["action"]]) for s in stages] == [
        ("Source", [("Source", "Source", "CodeStarSourceConnection")]),
        ("Build", [("Image", "Build", "CodeBuild")]),
        ("Migrate", [("Migrations", "Build", "CodeBuild")]),
        ("Deploy", [("Service", "Deploy", "ECS")]),
    ]
    assert pipeline(stack)["pipeline_type"] == "V2"
    assert pipeline(stack)["name"] == f"dailydesk-{env}-ecs-pipeline"


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_source_is_the_api_repository_through_the_configured_connection(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    (source,) = pipeline(stack)["stage"][0]["action"]
    assert source["configuration"] == {
        "ConnectionArn": config.pipelines.connection_arn,
        "FullRepositoryId": config.pipelines.backend_repository,
        "BranchName": config.pipelines.backend_branch,
        "OutputArtifactFormat": "CODE_ZIP",
        "DetectChanges": "true",
    }
    assert source["output_artifacts"] == ["source"]
    assert source["namespace"] == "SourceVariables"


def test_artifacts_flow_from_build_to_deploy_and_the_commit_reaches_the_build(synthesized):
    stack = synthesized["backend-prod"]
    _, build, migrate, deploy = (s["action"][0] for s in pipeline(stack)["stage"])
    assert build["configuration"]["ProjectName"] == ref(
        stack, "aws_codebuild_project", "pipeline/build/project", "name"
    )
    assert build["input_artifacts"] == ["source"] and build["output_artifacts"] == ["image"]
    assert json.loads(build["configuration"]["EnvironmentVariables"]) == [
        {"name": "COMMIT_ID", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}
    ]
    assert migrate["configuration"] == {
        "ProjectName": ref(stack, "aws_codebuild_project", "pipeline/migrations/project", "name")
    }
    assert migrate["input_artifacts"] == ["source"]
    assert deploy["input_artifacts"] == ["image"]
    assert deploy["configuration"] == {
        "ClusterName": body(stack, "aws_ecs_cluster", "api/cluster")["name"],
        "ServiceName": body(stack, "aws_ecs_service", "api/service")["name"],
        "FileName": "imagedefinitions.json",
        "DeploymentTimeout": "30",
    }


def test_artifact_store_is_the_encrypted_bucket(synthesized):
    stack = synthesized["backend-prod"]
    assert pipeline(stack)["artifact_store"] == encrypted_artifact_store(stack, "pipeline-artifacts")


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_build_project_builds_on_the_node_base_image_and_pushes_to_the_repository(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    project = body(stack, "aws_codebuild_project", "pipeline/build/project")
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": terraform_literal(buildspec("backend-build.yml"))}
    assert project["artifacts"] == {"type": "CODEPIPELINE"}
    assert project["environment"]["privileged_mode"] is True  # docker build
    assert variables(project) == {
        "NODE_REPOSITORY": ("PARAMETER_STORE", f"/dailydesk/{env}/ecr/node-repository"),
        "NODE_IMAGE_TAG": ("PARAMETER_STORE", f"/dailydesk/{env}/ecr/node-image-tag"),
        "REPOSITORY_URI": ("PLAINTEXT", ref(stack, "aws_ecr_repository", "registry/repository", "repository_url")),
        "CONTAINER_NAME": ("PLAINTEXT", "api"),
    }
    assert project["encryption_key"] == ref(stack, "aws_kms_key", "pipeline-artifacts/key/key", "arn")
    assert project["logs_config"]["cloudwatch_logs"] == {
        "status": "ENABLED",
        "group_name": ref(stack, "aws_cloudwatch_log_group", "pipeline/build/logs", "name"),
    }
    assert "vpc_config" not in project


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_migrations_run_in_the_private_subnets_with_the_rds_parameters(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    project = body(stack, "aws_codebuild_project", "pipeline/migrations/project")
    assert project["source"]["buildspec"] == terraform_literal(buildspec("backend-migrations.yml"))
    assert project["vpc_config"] == {
        "vpc_id": config.network.vpc_id,
        "subnets": list(config.network.private_subnet_ids),
        "security_group_ids": [ref(stack, "aws_security_group", "pipeline/migrations-sg", "id")],
    }
    prefix = f"/dailydesk/{env}"
    assert variables(project) == {
        "DB_HOST": ("PARAMETER_STORE", f"{prefix}/rds/host"),
        "DB_PORT": ("PARAMETER_STORE", f"{prefix}/rds/port"),
        "DB_NAME": ("PARAMETER_STORE", f"{prefix}/rds/dailydesk/name"),
        "DB_USERNAME": ("PARAMETER_STORE", f"{prefix}/rds/username"),
        "DB_PASSWORD": ("PARAMETER_STORE", f"{prefix}/rds/password"),
    }
    assert project["environment"]["privileged_mode"] is False


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_migrations_reach_only_the_database_and_https(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    group = ref(stack, "aws_security_group", "pipeline/migrations-sg", "id")
    assert body(stack, "aws_security_group", "pipeline/migrations-sg")["vpc_id"] == config.network.vpc_id
    egress = {
        (r.get("referenced_security_group_id") or r.get("cidr_ipv4"), r["from_port"], r["to_port"], r["ip_protocol"])
        for r in resources(stack, "aws_vpc_security_group_egress_rule").values()
        if r["security_group_id"] == group
    }
    port = config.rds.port
    assert egress == {(config.rds.security_group_id, port, port, "tcp"), ("0.0.0.0/0", 443, 443, "tcp")}
    ingress = body(stack, "aws_vpc_security_group_ingress_rule", "network/database-from-migrations")
    rule = ("security_group_id", "referenced_security_group_id", "from_port", "to_port")
    assert tuple(ingress[key] for key in rule) == (
        config.rds.security_group_id, group, port, port,
    )  # fmt: skip


def test_no_policy_of_the_pipeline_allows_a_wildcard_action(synthesized):
    stack = synthesized["backend-prod"]
    documents = dict(documents_under(stack, "/pipeline/"))
    assert len(documents) == 6  # pipeline, build and migrations: trust + permissions each
    for key, document in documents.items():
        for statement in document["statement"]:
            assert statement.get("effect", "Allow") == "Allow", key
            assert not any("*" in action for action in statement["actions"]), (key, statement)
            if "*" in statement.get("resources", []) and "principals" not in statement:
                assert set(statement["actions"]) <= UNSCOPED_ACTIONS, (key, statement)
                assert statement.get("condition"), (key, statement)


def test_pipeline_role_is_scoped_to_its_bucket_connection_builds_and_service(synthesized):
    stack, config = synthesized["backend-prod"], load_environment("prod")
    found = statements(stack, "pipeline/role-policy-document")
    bucket = ref(stack, "aws_s3_bucket", "pipeline-artifacts/bucket", "arn")
    assert found["ArtifactObjects"]["resources"] == [f"{bucket}/*"]
    assert found["ArtifactBucket"]["resources"] == [bucket]
    assert "s3:GetBucketVersioning" in found["ArtifactBucket"]["actions"]
    assert found["ArtifactKey"]["resources"] == [ref(stack, "aws_kms_key", "pipeline-artifacts/key/key", "arn")]
    assert found["UseSourceConnection"] == {
        "sid": "UseSourceConnection",
        "effect": "Allow",
        "actions": ["codestar-connections:UseConnection"],
        "resources": [config.pipelines.connection_arn],
    }
    assert found["RunOwnBuilds"]["resources"] == [
        ref(stack, "aws_codebuild_project", "pipeline/build/project", "arn"),
        ref(stack, "aws_codebuild_project", "pipeline/migrations/project", "arn"),
    ]
    # Names as literals, not references: a reference to the service or the task definition
    # would defer this policy to apply on every rollout (a shape change), an empty row in
    # the change set.
    cluster = body(stack, "aws_ecs_cluster", "api/cluster")["name"]
    service = body(stack, "aws_ecs_service", "api/service")["name"]
    assert found["UpdateService"]["resources"] == [f"{ACCOUNT}:service/{cluster}/{service}"]
    family = body(stack, "aws_ecs_task_definition", "api/task-definition")["family"]
    assert "${" not in cluster + service + family
    assert found["RegisterOwnTaskDefinitions"]["actions"] == ["ecs:RegisterTaskDefinition", "ecs:TagResource"]
    assert found["RegisterOwnTaskDefinitions"]["resources"] == [f"{ACCOUNT}:task-definition/{family}:*"]
    in_cluster = [{"test": "ArnEquals", "variable": "ecs:cluster", "values": [f"{ACCOUNT}:cluster/{cluster}"]}]
    assert found["WatchDeploymentTasks"]["resources"] == [f"{ACCOUNT}:task/{cluster}/*"]
    assert found["WatchDeploymentTasks"]["condition"] == in_cluster
    assert found["ListDeploymentTasks"]["condition"] == in_cluster
    assert found["ReadTaskDefinitions"]["condition"] == [
        {"test": "StringEquals", "variable": "aws:RequestedRegion", "values": ["us-east-1"]}
    ]


def test_pass_role_is_limited_to_the_two_task_roles_for_ecs_tasks(synthesized):
    stack = synthesized["backend-prod"]
    pass_role = statements(stack, "pipeline/role-policy-document")["PassTaskRoles"]
    assert pass_role["actions"] == ["iam:PassRole"]
    assert pass_role["resources"] == [
        ref(stack, "aws_iam_role", "task-roles/execution-role", "arn"),
        ref(stack, "aws_iam_role", "task-roles/task-role", "arn"),
    ]
    assert pass_role["condition"] == [
        {"test": "StringEquals", "variable": "iam:PassedToService", "values": ["ecs-tasks.amazonaws.com"]}
    ]
    others = [
        s for key, d in documents_under(stack, "/pipeline/") for s in d["statement"] if "iam:PassRole" in s["actions"]
    ]
    assert others == [pass_role]


def test_build_role_pushes_only_to_the_backend_repository_and_pulls_only_the_base_image(synthesized):
    stack = synthesized["backend-prod"]
    found = statements(stack, "pipeline/build/role-policy-document")
    assert found["PushBackendImage"]["resources"] == [ref(stack, "aws_ecr_repository", "registry/repository", "arn")]
    assert "ecr:PutImage" in found["PushBackendImage"]["actions"]
    assert found["PullNodeBaseImage"] == {
        "sid": "PullNodeBaseImage",
        "effect": "Allow",
        "actions": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "resources": ["arn:aws:ecr:us-east-1:444455556666:repository/dailydesk-node-base"],
    }
    assert found["EcrLogin"]["resources"] == ["*"] and found["EcrLogin"]["actions"] == ["ecr:GetAuthorizationToken"]
    assert found["EcrLogin"]["condition"] == [
        {"test": "StringEquals", "variable": "aws:RequestedRegion", "values": ["us-east-1"]}
    ]
    assert found["ReadOwnParameters"]["resources"] == [
        parent_output(stack, "parameter_arns", "ecr/node-repository"),
        parent_output(stack, "parameter_arns", "ecr/node-image-tag"),
    ]
    assert found["WriteOwnLogs"]["resources"] == [
        ref(stack, "aws_cloudwatch_log_group", "pipeline/build/logs", "arn") + ":*"
    ]


def test_migrations_role_reads_exactly_the_rds_parameters(synthesized):
    stack = synthesized["backend-prod"]
    found = statements(stack, "pipeline/migrations/role-policy-document")
    assert found["ReadOwnParameters"]["actions"] == ["ssm:GetParameters"]
    assert found["ReadOwnParameters"]["resources"] == [
        parent_output(stack, "parameter_arns", name)
        for name in ("rds/host", "rds/port", "rds/dailydesk/name", "rds/username", "rds/password")
    ]
    assert found["DecryptOwnParameters"]["resources"] == [parent_output(stack, "parameters_kms_key_arn")]
    subnets = [
        f"arn:aws:ec2:us-east-1:444455556666:subnet/{s}" for s in load_environment("prod").network.private_subnet_ids
    ]
    assert {"test": "ArnEquals", "variable": "ec2:Subnet", "values": subnets} in found["AttachInOwnSubnets"][
        "condition"
    ]
    group = ref(stack, "aws_security_group", "pipeline/migrations-sg", "id")
    assert found["CreateInterfacesInOwnSubnets"]["resources"] == [
        "arn:aws:ec2:us-east-1:444455556666:network-interface/*",
        *subnets,
        f"arn:aws:ec2:us-east-1:444455556666:security-group/{group}",
    ]
    vpc = load_environment("prod").network.vpc_id
    assert found["DeleteInterfacesInOwnVpc"]["condition"] == [
        {"test": "ArnEquals", "variable": "ec2:Vpc", "values": [f"arn:aws:ec2:us-east-1:444455556666:vpc/{vpc}"]}
    ]
    assert not any(a.startswith("ecr:") for s in found.values() for a in s["actions"])


def test_roles_are_assumable_only_by_their_service_for_their_own_resource_of_this_account(synthesized):
    stack = synthesized["backend-prod"]
    builds = "codebuild:us-east-1:444455556666:project/dailydesk-prod-ecs-pipeline"
    for path, service, source in (
        (
            "pipeline/role-trust",
            "codepipeline.amazonaws.com",
            "codepipeline:us-east-1:444455556666:dailydesk-prod-ecs-pipeline",
        ),
        ("pipeline/build/role-trust", "codebuild.amazonaws.com", f"{builds}-build"),
        ("pipeline/migrations/role-trust", "codebuild.amazonaws.com", f"{builds}-migrations"),
    ):
        (trust,) = statements(stack, path).values()
        assert trust["principals"] == [{"type": "Service", "identifiers": [service]}]
        assert trust["condition"] == [
            {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["444455556666"]},
            {"test": "ArnLike", "variable": "aws:SourceArn", "values": [f"arn:aws:{source}"]},
        ]


def test_outputs_name_the_pipeline_and_its_bucket(synthesized):
    outputs = synthesized["backend-prod"]["output"]
    stack = synthesized["backend-prod"]
    assert outputs["pipeline_name"]["value"] == ref(stack, "aws_codepipeline", "pipeline/pipeline", "name")
    assert outputs["pipeline_artifact_bucket"]["value"] == ref(
        stack, "aws_s3_bucket", "pipeline-artifacts/bucket", "bucket"
    )
