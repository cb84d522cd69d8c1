"""The alarms in the emulator: `parent-local` and `backend-local` deployed once (terraform
directly, on the seeded world, as `make deploy-local` deploys them). CloudWatch then
holds every alarm the backend publishes, with the config's thresholds and the operations
topic as its actions; `tools.alarms` reads them back; and a second plan of the backend is
empty (the alarms, metric math included, round-trip through the emulator).
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from config import load_environment
from config.schema import Emulator, EnvironmentConfig
from tools import alarms as alarm_tool
from tools import terraform
from workspace import alarms as kinds

pytestmark = pytest.mark.emulator

RATE_EXPRESSION = "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests"


def client(config: EnvironmentConfig, service: str):
    assert config.emulator is not None
    return boto3.client(
        service, endpoint_url=config.emulator.endpoint, region_name=config.region, **Emulator.boto3_credentials()
    )


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory) -> tuple[EnvironmentConfig, dict[str, Path]]:
    from cdktf import App

    from stacks.backend import BackendStack
    from stacks.parent import ParentStack
    from tools.emulator import seed

    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    seed.seed(config, emulator_endpoint)
    # <tmp>/repo/cdktf.out: the local backends' state paths land in <tmp>/repo/state.
    outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
    outdir.mkdir()
    app = App(outdir=str(outdir))
    stacks = [ParentStack(app, config), BackendStack(app, config)]
    app.synth()
    directories = {stack.layer.name: outdir / "stacks" / stack.node.id for stack in stacks}
    for layer in ("parent", "backend"):
        terraform.init(directories[layer])
        terraform.apply(directories[layer])
    return config, directories


def backend_outputs(directories: dict[str, Path]) -> dict:
    """The backend's outputs as `terraform output -json` gives them (name -> {"value": ...})."""
    return json.loads(terraform.run(directories["backend"], "output", "-json").output)


def live_alarms(config: EnvironmentConfig) -> dict[str, dict]:
    found = alarm_tool.describe(client(config, "cloudwatch"), f"{config.project}-{config.name}-")
    return {alarm["AlarmName"]: alarm for alarm in found}


def test_cloudwatch_holds_every_published_alarm(deployed):
    config, directories = deployed
    names = backend_outputs(directories)["alarm_names"]["value"]
    nodes = [f"{n:03d}" for n in range(1, config.redis.cache_clusters + 1)]
    assert set(names) == {
        *(kinds.DEAD_LETTER_QUEUE.purpose(job.name) for job in config.jobs),
        kinds.HTTP_5XX_RATE.purpose(),
        kinds.UNHEALTHY_TARGETS.purpose(),
        kinds.SERVICE_CPU.purpose(),
        kinds.SERVICE_MEMORY.purpose(),
        *(kinds.REDIS_MEMORY.purpose(node) for node in nodes),
        *(kinds.REDIS_EVICTIONS.purpose(node) for node in nodes),
    }
    assert len(names) == 11
    assert set(live_alarms(config)) == set(names.values())


def test_thresholds_come_from_the_config_and_actions_go_to_the_topic(deployed):
    config, directories = deployed
    outputs = backend_outputs(directories)
    topic_arn = outputs["operations_topic_arn"]["value"]
    live = live_alarms(config)
    for purpose, name in outputs["alarm_names"]["value"].items():
        alarm = live[name]
        rule = getattr(config.alarms, kinds.parse(purpose)[0].key.replace("-", "_"))
        assert alarm["Threshold"] == rule.threshold, name
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
            rule.evaluation_periods,
            rule.datapoints_to_alarm,
        ), name
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"] == alarm["OKActions"] == [topic_arn], name
        assert alarm["InsufficientDataActions"] == []
        if purpose == kinds.HTTP_5XX_RATE.purpose():
            # `metric_query` is a set in the provider: the order sent is not the written one.
            queries = {query["Id"]: query for query in alarm["Metrics"]}
            assert set(queries) == {"rate", "target_5xx", "elb_5xx", "requests"}
            assert queries.pop("rate")["Expression"] == RATE_EXPRESSION
            assert {q["MetricStat"]["Period"] for q in queries.values()} == {rule.period_seconds}
            assert not any(q["ReturnData"] for q in queries.values())
        else:
            assert alarm["Period"] == rule.period_seconds, name


def test_alarms_watch_the_deployed_resources(deployed):
    config, directories = deployed
    outputs = backend_outputs(directories)
    live = live_alarms(config)

    def dimensions(purpose: str) -> dict[str, str]:
        return {d["Name"]: d["Value"] for d in live[outputs["alarm_names"]["value"][purpose]]["Dimensions"]}

    (group,) = client(config, "elasticache").describe_replication_groups()["ReplicationGroups"]
    members = sorted(group["MemberClusters"])
    assert [dimensions(kinds.REDIS_MEMORY.purpose(f"{n:03d}"))["CacheClusterId"] for n in (1, 2)] == members
    assert [dimensions(kinds.REDIS_EVICTIONS.purpose(f"{n:03d}"))["CacheClusterId"] for n in (1, 2)] == members
    assert dimensions(kinds.SERVICE_CPU.purpose()) == {
        "ClusterName": outputs["cluster_name"]["value"],
        "ServiceName": outputs["service_name"]["value"],
    }
    for job in config.jobs:
        queue_url = outputs["dead_letter_queue_urls"]["value"][job.name]
        assert dimensions(kinds.DEAD_LETTER_QUEUE.purpose(job.name)) == {"QueueName": queue_url.rsplit("/", 1)[1]}
    (load_balancer,) = client(config, "elbv2").describe_load_balancers()["LoadBalancers"]
    suffix = load_balancer["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    unhealthy = dimensions(kinds.UNHEALTHY_TARGETS.purpose())
    assert unhealthy["LoadBalancer"] == suffix
    assert unhealthy["TargetGroup"].startswith("targetgroup/dailydesk-local-api/")


def test_topic_is_encrypted_and_admits_this_accounts_alarms(deployed):
    config, directories = deployed
    topic_arn = backend_outputs(directories)["operations_topic_arn"]["value"]
    attributes = client(config, "sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    key_arn = attributes["KmsMasterKeyId"]
    (publish,) = json.loads(attributes["Policy"])["Statement"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"] == (
        f"arn:aws:cloudwatch:{config.region}:{config.account_id}:alarm:*"
    )
    key_policy = json.loads(client(config, "kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    services = [s for s in key_policy["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert [s["Condition"]["StringEquals"]["aws:SourceAccount"] for s in services] == [config.account_id]


def test_the_tool_reads_them_back_and_the_summary_renders_the_outputs(deployed, capsys):
    config, directories = deployed
    assert alarm_tool.main(["--env", "local"]) == 0
    printed = capsys.readouterr().out
    names = backend_outputs(directories)["alarm_names"]["value"]
    assert f"11 named {config.project}-{config.name}-*" in printed
    for name in names.values():
        assert name in printed
    lines = alarm_tool.summary_lines(backend_outputs(directories))
    assert lines[0].startswith("alarms: 11, notifying arn:aws:sns:")
    assert len(lines) == 2 + 11


def test_a_second_plan_of_the_backend_is_empty(deployed):
    _, directories = deployed
    directory = directories["backend"]
    if terraform.plan(directory, "second.tfplan") != terraform.NO_CHANGES:
        changes = {
            change["address"]: change["change"]["actions"]
            for change in terraform.show_json(directory, "second.tfplan")["resource_changes"]
            if change["change"]["actions"] != ["no-op"]
        }
        pytest.fail(f"the second plan is not empty: {changes}")
