"""The main job end to end against the emulator, as `make deploy-local` runs it.

One deployment serves the tests in file order (each deploy costs minutes of fixed
provider waits): deploy the three `local` workspaces; every second plan is empty; the
parameters hold their config values and the state holds no manual value; drift made
behind Terraform's back is named exactly and cleared by a deploy; destroy leaves none of
our resources. Then the whole cycle again on the same emulator, nothing restarted.
"""

from __future__ import annotations

import json

import boto3
import pytest

from config import load_environment
from config.schema import Emulator
from tools import drift, local_environment, terraform
from workspace import catalogue
from workspace.naming import Namer

pytestmark = pytest.mark.emulator

LAYERS = local_environment.LAYERS
DRIFTED_EMAIL = "drifted-by-hand@example.com"
DRIFTED_RETENTION = 30


def client(config, service: str):
    return boto3.client(
        service, endpoint_url=config.emulator.endpoint, region_name=config.region, **Emulator.boto3_credentials()
    )


def our_resources(config) -> dict[str, list[str]]:
    """Everything of this environment's workspaces still live in the emulator. Seeded
    external things (hosting buckets, manual parameters) are not ours and not listed;
    what AWS also keeps after a delete (INACTIVE clusters, keys pending deletion) neither."""
    prefix = f"{config.project}-{config.name}-"
    hosting = set(config.hosting.buckets().values())
    ecs = client(config, "ecs")
    ours = {Namer(config.project, config.name).parameter(p.name) for p in catalogue.cdk_parameters()}
    parameters = [
        p["Name"]
        for page in client(config, "ssm").get_paginator("describe_parameters").paginate()
        for p in page["Parameters"]
        if p["Name"] in ours
    ]
    found = {
        "ecs clusters": [
            c["clusterName"]
            for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
            if c["status"] == "ACTIVE"
        ],
        "load balancers": [
            lb["LoadBalancerName"] for lb in client(config, "elbv2").describe_load_balancers()["LoadBalancers"]
        ],
        "redis": [
            g["ReplicationGroupId"]
            for g in client(config, "elasticache").describe_replication_groups()["ReplicationGroups"]
        ],
        "pipelines": [p["name"] for p in client(config, "codepipeline").list_pipelines()["pipelines"]],
        "codebuild": client(config, "codebuild").list_projects()["projects"],
        "queues": client(config, "sqs").list_queues().get("QueueUrls", []),
        "topics": [t["TopicArn"] for t in client(config, "sns").list_topics()["Topics"]],
        "ecr": [r["repositoryName"] for r in client(config, "ecr").describe_repositories()["repositories"]],
        "log groups": [g["logGroupName"] for g in client(config, "logs").describe_log_groups()["logGroups"]],
        "iam roles": [
            r["RoleName"] for r in client(config, "iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)
        ],
        "buckets": [b["Name"] for b in client(config, "s3").list_buckets()["Buckets"] if b["Name"] not in hosting],
        "event rules": [r["Name"] for r in client(config, "events").list_rules()["Rules"]],
        "parameters": parameters,
    }
    return {kind: names for kind, names in found.items() if names}


def all_parameters(config) -> dict[str, dict]:
    found = {}
    for page in (
        client(config, "ssm")
        .get_paginator("get_parameters_by_path")
        .paginate(Path=config.parameter_prefix, Recursive=True, WithDecryption=True)
    ):
        found.update({p["Name"]: p for p in page["Parameters"]})
    return found


def assert_second_plans_empty(outdir) -> None:
    """A plan of each workspace (side by side: separate states) shows no change."""
    from concurrent.futures import ThreadPoolExecutor

    def changes(layer: str) -> list[str]:
        directory = outdir / "stacks" / f"{layer}-local"
        if terraform.plan(directory, "second.tfplan") == terraform.NO_CHANGES:
            return []
        return [
            c["address"]
            for c in terraform.show_json(directory, "second.tfplan")["resource_changes"]
            if c["change"]["actions"] != ["no-op"]
        ]

    with ThreadPoolExecutor(max_workers=len(LAYERS)) as pool:
        found = dict(zip(LAYERS, pool.map(changes, LAYERS), strict=True))
    assert found == {layer: [] for layer in LAYERS}, f"second plans are not empty: {found}"


def address(outdir, layer: str, resource_type: str, path_suffix: str) -> str:
    document = json.loads((outdir / "stacks" / f"{layer}-local" / "cdk.tf.json").read_text())
    matches = [
        name
        for name, body in document["resource"][resource_type].items()
        if body["//"]["metadata"]["path"].endswith(path_suffix)
    ]
    assert len(matches) == 1, matches
    return f"{resource_type}.{matches[0]}"


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory):
    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
    local_environment.deploy(config, outdir=outdir)
    return config, outdir


def test_every_workspace_deploys(deployed):
    config, outdir = deployed
    for layer in LAYERS:
        state = local_environment.read_state(local_environment.state_file(config, outdir, layer))
        assert local_environment.managed_resources(state), f"{layer}-local deployed nothing"
    live = our_resources(config)
    assert {"ecs clusters", "load balancers", "redis", "pipelines", "codebuild", "queues", "ecr", "topics"} <= set(live)
    assert sorted(live["pipelines"]) == ["dailydesk-local-ecs-pipeline", "dailydesk-local-frontend-ci-pipeline"]


def test_second_plans_are_empty(deployed):
    assert_second_plans_empty(deployed[1])


def test_every_cdk_parameter_holds_its_config_value(deployed):
    config, _ = deployed
    namer = Namer(config.project, config.name)
    found = all_parameters(config)
    for entry in catalogue.cdk_parameters():
        parameter = found[namer.parameter(entry.name)]
        assert (parameter["Value"], parameter["Type"]) == (entry.value(config, namer), entry.type)
    # The manual ones are the seeded throwaway values, untouched by Terraform.
    assert {namer.parameter(p.name) for p in catalogue.manual_parameters()} <= set(found)


def test_no_state_holds_a_manual_value(deployed):
    config, outdir = deployed
    namer = Namer(config.project, config.name)
    values = all_parameters(config)
    for layer in LAYERS:
        state = local_environment.state_file(config, outdir, layer).read_text()
        for entry in catalogue.manual_parameters():
            assert values[namer.parameter(entry.name)]["Value"] not in state


def test_drift_is_named_exactly_and_cleared_by_a_deploy(deployed, tmp_path, capsys):
    config, outdir = deployed
    namer = Namer(config.project, config.name)
    email = address(outdir, "parent", "aws_ssm_parameter", "/parameters/admin_email")
    log_group = address(outdir, "backend", "aws_cloudwatch_log_group", "/logs/group")
    arguments = ["--env=local", f"--outdir={outdir}", "--skip-synth", f"--layers={','.join(LAYERS)}"]
    # No drift before the changes below: test_second_plans_are_empty has just planned
    # every workspace with a refresh and found nothing to change.

    client(config, "ssm").put_parameter(
        Name=namer.parameter("admin/email"), Value=DRIFTED_EMAIL, Type="String", Overwrite=True
    )
    client(config, "logs").put_retention_policy(
        logGroupName=catalogue.log_group_name(namer), retentionInDays=DRIFTED_RETENTION
    )
    report = tmp_path / "drift.json"
    assert drift.main([*arguments, f"--json={report}"]) == drift.DRIFT
    printed = capsys.readouterr().out
    found = {tuple(row.values()) for row in json.loads(report.read_text())}
    # The AWS provider marks every aws_ssm_parameter `value` sensitive: named, never shown.
    assert found == {
        ("parent-local", email, "value", drift.SENSITIVE, drift.SENSITIVE),
        ("backend-local", log_group, "retention_in_days", str(config.logs.retention_days), str(DRIFTED_RETENTION)),
    }
    assert email in printed and "retention_in_days" in printed
    assert DRIFTED_EMAIL not in printed and config.admin.email not in printed

    for layer in ("parent", "backend"):
        terraform.apply(outdir / "stacks" / namer.stack(layer))
    assert drift.main(arguments) == drift.NO_DRIFT
    assert "no drift" in capsys.readouterr().out


def test_destroy_leaves_none_of_our_resources(deployed):
    config, outdir = deployed
    local_environment.destroy(config, outdir=outdir)
    assert our_resources(config) == {}


def test_the_whole_cycle_again_on_the_same_emulator(deployed, tmp_path):
    config, _ = deployed
    outdir = tmp_path / "cdktf.out"
    local_environment.deploy(config, outdir=outdir)
    assert_second_plans_empty(outdir)
    local_environment.destroy(config, outdir=outdir)
    assert our_resources(config) == {}
