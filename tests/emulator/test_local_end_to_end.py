"""The main job end to end, twice in a row on the same emulator: deploy the three `local`
workspaces, a second plan of each is empty, destroy leaves none of our resources."""

from __future__ import annotations

import boto3
import pytest

from config import load_environment
from tools import local_environment, terraform

pytestmark = pytest.mark.emulator

LAYERS = local_environment.LAYERS


def client(config, service: str):
    return boto3.client(service, endpoint_url=config.emulator.endpoint, region_name=config.region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def our_resources(config) -> dict[str, list[str]]:
    """Everything named after this environment that is still in the emulator (seeded
    external things are named by config and excluded)."""
    prefix = f"{config.project}-{config.name}-"
    hosting = {config.hosting.website_bucket, config.hosting.tablet_bucket, config.hosting.booking_bucket,
               config.hosting.sales_export_bucket}
    found = {
        "ecs clusters": [c["clusterName"] for c in client(config, "ecs").describe_clusters(
            clusters=client(config, "ecs").list_clusters()["clusterArns"])["clusters"] if c["status"] == "ACTIVE"],
        "load balancers": [lb["LoadBalancerName"] for lb in client(config, "elbv2").describe_load_balancers()["LoadBalancers"]],
        "redis": [g["ReplicationGroupId"] for g in client(config, "elasticache").describe_replication_groups()["ReplicationGroups"]],
        "pipelines": [p["name"] for p in client(config, "codepipeline").list_pipelines()["pipelines"]],
        "codebuild": client(config, "codebuild").list_projects()["projects"],
        "queues": client(config, "sqs").list_queues().get("QueueUrls", []),
        "topics": [t["TopicArn"] for t in client(config, "sns").list_topics()["Topics"]],
        "ecr": [r["repositoryName"] for r in client(config, "ecr").describe_repositories()["repositories"]],
        "log groups": [g["logGroupName"] for g in client(config, "logs").describe_log_groups()["logGroups"]],
        "iam roles": [r["RoleName"] for r in client(config, "iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)],
        "buckets": [b["Name"] for b in client(config, "s3").list_buckets()["Buckets"] if b["Name"] not in hosting],
        "event rules": [r["Name"] for r in client(config, "events").list_rules()["Rules"]],
        "parameters": [p["Name"] for p in client(config, "ssm").describe_parameters(MaxResults=50)["Parameters"]
                       if p.get("Description") and not p["Name"].endswith(("password", "secret", "private-key",
                                                                            "access-key", "secret-key", "api-key"))],
    }
    return {kind: names for kind, names in found.items() if names}


@pytest.mark.parametrize("round_number", [1, 2])
def test_deploy_plan_destroy(emulator_endpoint, tmp_path, round_number):
    config = load_environment("local")
    outdir = tmp_path / "cdktf.out"
    local_environment.deploy(config, outdir=outdir)
    for layer in LAYERS:
        state = local_environment.read_state(local_environment.state_file(config, outdir, layer))
        assert local_environment.managed_resources(state), f"{layer}-local deployed nothing"
    deployed = our_resources(config)
    assert {"ecs clusters", "load balancers", "redis", "pipelines", "codebuild", "queues", "ecr"} <= set(deployed)
    assert len(deployed["pipelines"]) == 2
    for layer in LAYERS:
        directory = outdir / "stacks" / f"{layer}-local"
        exit_code = terraform.plan(directory, "second.tfplan")
        if exit_code != terraform.NO_CHANGES:
            changes = [c["address"] for c in terraform.show_json(directory, "second.tfplan")["resource_changes"]
                       if c["change"]["actions"] != ["no-op"]]
            pytest.fail(f"second plan of {layer}-local is not empty: {changes}")
    local_environment.destroy(config, outdir=outdir)
    assert our_resources(config) == {}
