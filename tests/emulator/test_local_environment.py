"""The main job end to end against the emulator, as `make deploy-local` runs it.

One deployment serves the tests in file order (each deploy costs minutes of fixed
provider waits): deploy the three `local` workspaces and put the API keys into their
connections (as the deploy does after each backend apply); every second plan is empty
(the alarms' metric math included); CloudWatch holds every alarm the backend publishes,
with the config's thresholds and the operations topic as actions, and `tools.alarms` reads
them back; the parameters hold their config values; no secret value is in any file the
project wrote or anything it printed; the connections hold their secrets' keys, also
after a rotation; drift made behind Terraform's back (and a rotated key) is named exactly
and cleared by a deploy; destroy leaves none of our resources: every instance of every
resource type the synth declares, read back from the emulator by its id.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config import load_environment
from tests import terraform_runs as terraform
from tests.configs import LOCAL_PARAMETER_VALUES
from tools import alarms as alarm_tool
from tools import api_keys, drift, local_environment
from tools.aws import emulator_client
from tools.deploy import exit_codes
from workspace import alarms as kinds
from workspace import catalogue

pytestmark = pytest.mark.emulator

LAYERS = local_environment.LAYERS
DRIFTED_EMAIL = "drifted-by-hand@example.com"
DRIFTED_RETENTION = 30
RATE_EXPRESSION = "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests"


def client(config, service: str):
    return emulator_client(service, config.emulator.endpoint, config.region)


def our_resources(config) -> dict[str, list[str]]:
    """Everything of this environment's workspaces still live in the emulator. Seeded
    external things (hosting buckets, manual parameters) are not ours and not listed;
    what AWS also keeps after a delete (INACTIVE clusters, keys pending deletion) neither."""
    prefix = config.namer.prefix
    hosting = set(config.hosting.buckets().values())
    ecs = client(config, "ecs")
    ours = {config.namer.parameter(p.name) for p in catalogue.cdk_parameters()}
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


@contextlib.contextmanager
def printed_into(path: Path) -> Iterator[None]:
    """Everything printed meanwhile, by Python or by a subprocess (cdktf, Terraform), also
    goes to `path` (file descriptors 1 and 2 and sys.stdout/err, which pytest replaces)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("wb") as sink, io.TextIOWrapper(open(sink.fileno(), "wb", closefd=False)) as text:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield
        finally:
            text.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory):
    """`local` deployed (the deploy puts the API keys into the connections); what that
    printed is in `<repo>/printed.log` (beside `cdktf.out` and `state`, scanned with them)."""
    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    repo = tmp_path_factory.mktemp("repo")
    outdir = repo / "cdktf.out"
    with printed_into(repo / "printed.log"):
        assert local_environment.deploy(config, outdir=outdir) == exit_codes.OK
        rows = api_keys.check(config)
        print(api_keys.render(rows))
    assert {row.status for row in rows} == {api_keys.IN_SYNC}, "the deploy did not put the API keys in"
    return config, outdir


def last_good_file(config, outdir, layer: str):
    return local_environment.state_file(config, outdir, layer).with_name(f"{layer}-local.last-good.json")


def test_every_workspace_deploys(deployed):
    config, outdir = deployed
    for layer in LAYERS:
        state = local_environment.read_state(local_environment.state_file(config, outdir, layer))
        assert local_environment.managed_resources(state), f"{layer}-local deployed nothing"
        # The deploy engine recorded what it applied, for a rollback.
        assert json.loads(last_good_file(config, outdir, layer).read_text())["stack"] == f"{layer}-local"
    live = our_resources(config)
    assert {"ecs clusters", "load balancers", "redis", "pipelines", "codebuild", "queues", "ecr", "topics"} <= set(live)
    assert sorted(live["pipelines"]) == ["dailydesk-local-ecs-pipeline", "dailydesk-local-frontend-ci-pipeline"]


def test_second_plans_are_empty(deployed):
    assert_second_plans_empty(deployed[1])


# The alarms: CloudWatch holds every alarm the backend publishes, with the config's
# thresholds and the operations topic as its actions, and tools.alarms reads them back.


def backend_outputs(outdir: Path) -> dict:
    """The backend's outputs as `terraform output -json` gives them (name -> {"value": ...})."""
    return json.loads(terraform.run(outdir / "stacks" / "backend-local", "output", "-json").output)


def live_alarms(config) -> dict[str, dict]:
    found = alarm_tool.describe(client(config, "cloudwatch"), config.namer.prefix)
    return {alarm["AlarmName"]: alarm for alarm in found}


def test_cloudwatch_holds_every_published_alarm(deployed):
    config, outdir = deployed
    names = backend_outputs(outdir)["alarm_names"]["value"]
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
    config, outdir = deployed
    outputs = backend_outputs(outdir)
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
    config, outdir = deployed
    outputs = backend_outputs(outdir)
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
    config, outdir = deployed
    topic_arn = backend_outputs(outdir)["operations_topic_arn"]["value"]
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
    config, outdir = deployed
    assert alarm_tool.main(["--env", "local"]) == 0
    printed = capsys.readouterr().out
    names = backend_outputs(outdir)["alarm_names"]["value"]
    assert f"11 named {config.namer.prefix}*" in printed
    for name in names.values():
        assert name in printed
    lines = alarm_tool.summary_lines(backend_outputs(outdir))
    assert lines[0].startswith("alarms: 11, notifying arn:aws:sns:")
    assert len(lines) == 2 + 11


def test_every_cdk_parameter_holds_its_config_value(deployed):
    config, _ = deployed
    namer = config.namer
    found = all_parameters(config)
    for entry in catalogue.cdk_parameters():
        parameter = found[namer.parameter(entry.name)]
        assert (parameter["Value"], parameter["Type"]) == (entry.value(config, namer), entry.type)
    # And against the values written out from local.toml, not computed by the code under test.
    assert {name: found[namer.parameter(name)]["Value"] for name in LOCAL_PARAMETER_VALUES} == LOCAL_PARAMETER_VALUES
    # The manual ones are the seeded throwaway values, untouched by Terraform.
    assert {namer.parameter(p.name) for p in catalogue.manual_parameters()} <= set(found)


def test_no_state_holds_a_manual_value(deployed):
    config, outdir = deployed
    namer = config.namer
    values = all_parameters(config)
    for layer in LAYERS:
        state = local_environment.state_file(config, outdir, layer).read_text()
        for entry in catalogue.manual_parameters():
            assert values[namer.parameter(entry.name)]["Value"] not in state


def secret_values(config) -> dict[str, str]:
    """What must never leave AWS: the manual SecureStrings and the API keys, read back."""
    namer = config.namer
    parameters = all_parameters(config)
    values = {p.name: parameters[namer.parameter(p.name)]["Value"] for p in catalogue.manual_parameters()}
    manager = client(config, "secretsmanager")
    for secret in catalogue.SECRETS:
        values[secret.name] = json.loads(manager.get_secret_value(SecretId=secret.name)["SecretString"])[secret.key]
    assert len(values) == 11 and all(len(v) >= 16 for v in values.values())
    return values


def written_bytes(root: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file under `root` that the project wrote, as bytes; a saved plan (a zip
    archive: compressed, so a value would not show as such) member by member. Symlinks
    are the provider binary shared from the plugin cache, not written here."""
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if path.is_symlink():
                continue
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield path / member, archive.read(member)
            else:
                yield path, path.read_bytes()


def test_no_secret_value_in_any_file_or_output(deployed):
    config, outdir = deployed
    repo = outdir.parent
    values = secret_values(config)
    scanned = list(written_bytes(repo))
    names = {str(path.relative_to(repo)) for path, _ in scanned}
    # What is scanned: the synthesized JSON, each stack's .terraform, the three states, the
    # last good configurations and the deploy logs beside them, the saved second plans (with
    # their state and config inside), and the printed output.
    for layer in LAYERS:
        stack = f"cdktf.out/stacks/{layer}-local"
        assert {
            f"{stack}/cdk.tf.json",
            f"{stack}/.terraform/terraform.tfstate",
            f"{stack}/second.tfplan/tfstate",
        } <= names
        assert f"state/local/{layer}-local.tfstate" in names
        assert f"state/local/{layer}-local.last-good.json" in names
        assert any(name.startswith(".deploy-logs/") and name.endswith(f"-{layer}-local-apply.log") for name in names)
    assert "printed.log" in names and (repo / "printed.log").stat().st_size > 1000
    # The scan finds what is there: the connections' placeholder is in the synthesized
    # JSON, the backend state and the state inside the saved plan.
    placeholder = catalogue.SECRETS_BY_NAME["technician-scheduler"].placeholder.encode()
    holding = {str(path.relative_to(repo)) for path, data in scanned if placeholder in data}
    assert {
        "cdktf.out/stacks/backend-local/cdk.tf.json",
        "state/local/backend-local.tfstate",
        "cdktf.out/stacks/backend-local/second.tfplan/tfstate",
    } <= holding
    leaks = [
        (str(path.relative_to(repo)), name)
        for path, data in scanned
        for name, v in values.items()
        if v.encode() in data
    ]
    assert leaks == []


def test_connections_hold_their_keys_also_after_a_rotation(deployed, capsys):
    config, _ = deployed
    assert {(r.secret, r.status) for r in api_keys.check(config)} == {
        ("technician-scheduler", "in sync"),
        ("send-review-to-customer", "in sync"),
    }
    rotated = "rotated-technician-scheduler-key-0001"
    client(config, "secretsmanager").put_secret_value(
        SecretId="technician-scheduler", SecretString=json.dumps({"x-api-key": rotated})
    )
    assert {(r.secret, r.status, r.detail) for r in api_keys.check(config)} == {
        ("technician-scheduler", "differs", api_keys.HOLDS_ANOTHER_KEY),
        ("send-review-to-customer", "in sync", ""),
    }
    assert [(r.secret, r.status) for r in api_keys.sync(config)] == [
        ("send-review-to-customer", "in sync"),
        ("technician-scheduler", "updated"),
    ]
    assert {r.status for r in api_keys.check(config)} == {"in sync"}
    # What EventBridge invokes with is the rotated key, in the connection's own secret.
    events, manager = client(config, "events"), client(config, "secretsmanager")
    arn = events.describe_connection(Name="dailydesk-local-technician-scheduler")["SecretArn"]
    assert json.loads(manager.get_secret_value(SecretId=arn)["SecretString"]) == {
        "api_key_name": "x-api-key",
        "api_key_value": rotated,
    }
    assert api_keys.main(["check", "--env=local"]) == 0
    assert api_keys.main(["sync", "--env=local"]) == 0
    printed = capsys.readouterr()
    assert rotated not in printed.out + printed.err
    assert "dailydesk-local-technician-scheduler" in printed.out


def test_drift_is_named_exactly_and_cleared_by_a_deploy(deployed, tmp_path, capsys):
    config, outdir = deployed
    namer = config.namer
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
    rotated = "rotated-send-review-key-0002"
    client(config, "secretsmanager").put_secret_value(
        SecretId="send-review-to-customer", SecretString=json.dumps({"x-api-key-send-sms": rotated})
    )
    connection = address(
        outdir, "backend", "aws_cloudwatch_event_connection", "/connection-send-review-to-customer/connection"
    )
    report = tmp_path / "drift.json"
    assert drift.main([*arguments, f"--json={report}"]) == drift.DRIFT
    printed = capsys.readouterr().out
    found = {tuple(row.values()) for row in json.loads(report.read_text())}
    # The AWS provider marks every aws_ssm_parameter `value` sensitive: named, never shown.
    assert found == {
        ("parent-local", email, "value", drift.SENSITIVE, drift.SENSITIVE),
        ("backend-local", log_group, "retention_in_days", str(config.logs.retention_days), str(DRIFTED_RETENTION)),
        (
            "backend-local",
            connection,
            "auth_parameters[0].api_key[0].value",
            "key of secret send-review-to-customer",
            api_keys.HOLDS_ANOTHER_KEY,
        ),
    }
    assert email in printed and "retention_in_days" in printed
    assert DRIFTED_EMAIL not in printed and config.admin.email not in printed and rotated not in printed

    # A deploy: apply, then (backend) the keys, as the deploy engine does.
    for layer in ("parent", "backend"):
        terraform.apply(outdir / "stacks" / namer.stack(layer))
    api_keys.sync(config)
    assert drift.main(arguments) == drift.NO_DRIFT
    assert "no drift" in capsys.readouterr().out


# What `destroy` must have removed, per resource type: each takes the instances' attributes
# from the state before the destroy and returns those the emulator still holds. What AWS
# keeps after a delete is judged as AWS keeps it: a KMS key is pending deletion, a task
# definition INACTIVE, an ECS cluster or service INACTIVE.
Attributes = dict


def missing(call) -> bool:
    """True when the call fails because what it names does not exist (any *NotFound*,
    NoSuch*, NonExistent*, or a parent of it that is gone)."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        if any(word in error.response["Error"]["Code"] for word in ("NotFound", "NoSuch", "NonExistent")):
            return True
        raise
    return False


def _kms_key(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [i for i in ids if c("kms").describe_key(KeyId=i)["KeyMetadata"]["KeyState"] != "PendingDeletion"]


def _ssm_parameter(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    found = [
        p["Name"] for i in range(0, len(ids), 10) for p in c("ssm").get_parameters(Names=ids[i : i + 10])["Parameters"]
    ]
    return found


def _appautoscaling_target(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    targets = c("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    live = {t["ResourceId"] for t in targets}
    return [a["resource_id"] for a in instances if a["resource_id"] in live]


def _appautoscaling_policy(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    policies = c("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    live = {p["PolicyName"] for p in policies}
    return [a["name"] for a in instances if a["name"] in live]


def _cloudwatch_event_rule(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["name"]
        for a in instances
        if a["name"] in {r["Name"] for r in c("events").list_rules(EventBusName=a["event_bus_name"])["Rules"]}
    ]


def _cloudwatch_event_target(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["id"]
        for a in instances
        if not missing(lambda a=a: c("events").list_targets_by_rule(Rule=a["rule"]))
        and a["target_id"] in {t["Id"] for t in c("events").list_targets_by_rule(Rule=a["rule"])["Targets"]}
    ]


def _cloudwatch_log_stream(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["name"]
        for a in instances
        if not missing(lambda a=a: c("logs").describe_log_streams(logGroupName=a["log_group_name"]))
        and a["name"]
        in {s["logStreamName"] for s in c("logs").describe_log_streams(logGroupName=a["log_group_name"])["logStreams"]}
    ]


def _cloudwatch_metric_alarm(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    names = [a["alarm_name"] for a in instances]
    return [m["AlarmName"] for m in c("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]]


def _codebuild_project(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    names = [a["name"] for a in instances]
    return [p["name"] for p in c("codebuild").batch_get_projects(names=names)["projects"]]


def _ecr_lifecycle_policy(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["repository"]
        for a in instances
        if not missing(lambda a=a: c("ecr").get_lifecycle_policy(repositoryName=a["repository"]))
    ]


def _ecs_cluster(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    clusters = c("ecs").describe_clusters(clusters=[a["arn"] for a in instances])["clusters"]
    return [k["clusterArn"] for k in clusters if k["status"] != "INACTIVE"]


def _ecs_service(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["id"]
        for a in instances
        if not missing(lambda a=a: c("ecs").describe_services(cluster=a["cluster"], services=[a["id"]]))
        and any(
            s["status"] != "INACTIVE"
            for s in c("ecs").describe_services(cluster=a["cluster"], services=[a["id"]])["services"]
        )
    ]


def _ecs_task_definition(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["arn"]
        for a in instances
        if not missing(lambda a=a: c("ecs").describe_task_definition(taskDefinition=a["arn"]))
        and c("ecs").describe_task_definition(taskDefinition=a["arn"])["taskDefinition"]["status"] == "ACTIVE"
    ]


def _iam_role(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [i for i in ids if not missing(lambda i=i: c("iam").get_role(RoleName=i))]


def _iam_role_policy(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [
        a["id"]
        for a in instances
        if not missing(lambda a=a: c("iam").get_role_policy(RoleName=a["role"], PolicyName=a["name"]))
    ]


def _lb_listener(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [i for i in ids if not missing(lambda i=i: c("elbv2").describe_listeners(ListenerArns=[i]))]


def _sns_topic_policy(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    return [i for i in ids if not missing(lambda i=i: c("sns").get_topic_attributes(TopicArn=i))]


def _sqs_queue(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    live = {url.rsplit("/", 1)[-1] for url in c("sqs").list_queues().get("QueueUrls", [])}
    return [a["name"] for a in instances if a["name"] in live]


def _sqs_queue_policy(c: Callable[[str], Any], ids: list[str], instances: list[Attributes]) -> list[str]:
    live = {url.rsplit("/", 1)[-1] for url in c("sqs").list_queues().get("QueueUrls", [])}
    return [a["queue_url"] for a in instances if a["queue_url"].rsplit("/", 1)[-1] in live]


# Types whose resources one list call shows: (service, method, result key, the item's field,
# the instance attribute it holds). The emulator's lists are short: one page each.
LISTED: dict[str, tuple[str, str, str, str, str]] = {
    "aws_kms_alias": ("kms", "list_aliases", "Aliases", "AliasName", "id"),
    "aws_cloudwatch_event_api_destination": ("events", "list_api_destinations", "ApiDestinations", "Name", "name"),
    "aws_cloudwatch_event_connection": ("events", "list_connections", "Connections", "Name", "name"),
    "aws_cloudwatch_log_group": ("logs", "describe_log_groups", "logGroups", "logGroupName", "id"),
    "aws_codepipeline": ("codepipeline", "list_pipelines", "pipelines", "name", "id"),
    "aws_ecr_repository": ("ecr", "describe_repositories", "repositories", "repositoryName", "id"),
    "aws_elasticache_replication_group": (
        "elasticache",
        "describe_replication_groups",
        "ReplicationGroups",
        "ReplicationGroupId",
        "id",
    ),
    "aws_elasticache_subnet_group": (
        "elasticache",
        "describe_cache_subnet_groups",
        "CacheSubnetGroups",
        "CacheSubnetGroupName",
        "id",
    ),
    "aws_lb": ("elbv2", "describe_load_balancers", "LoadBalancers", "LoadBalancerArn", "id"),
    "aws_lb_target_group": ("elbv2", "describe_target_groups", "TargetGroups", "TargetGroupArn", "id"),
    "aws_s3_bucket": ("s3", "list_buckets", "Buckets", "Name", "id"),
    "aws_security_group": ("ec2", "describe_security_groups", "SecurityGroups", "GroupId", "id"),
    "aws_vpc_security_group_ingress_rule": (
        "ec2",
        "describe_security_group_rules",
        "SecurityGroupRules",
        "SecurityGroupRuleId",
        "id",
    ),
    "aws_vpc_security_group_egress_rule": (
        "ec2",
        "describe_security_group_rules",
        "SecurityGroupRules",
        "SecurityGroupRuleId",
        "id",
    ),
    "aws_sns_topic": ("sns", "list_topics", "Topics", "TopicArn", "id"),
}


def listed_still_there(config, resource_type: str, instances: list[Attributes]) -> list[str]:
    service, method, key, field, attribute = LISTED[resource_type]
    live = {item[field] for item in getattr(client(config, service), method)()[key]}
    return [a[attribute] for a in instances if a[attribute] in live]


# Per resource type: the instances (of the state before the destroy) that the emulator holds.
STILL_THERE: dict[str, Callable[[Callable[[str], Any], list[str], list[Attributes]], list[str]]] = {
    "aws_kms_key": _kms_key,
    "aws_ssm_parameter": _ssm_parameter,
    "aws_appautoscaling_target": _appautoscaling_target,
    "aws_appautoscaling_policy": _appautoscaling_policy,
    "aws_cloudwatch_event_rule": _cloudwatch_event_rule,
    "aws_cloudwatch_event_target": _cloudwatch_event_target,
    "aws_cloudwatch_log_stream": _cloudwatch_log_stream,
    "aws_cloudwatch_metric_alarm": _cloudwatch_metric_alarm,
    "aws_codebuild_project": _codebuild_project,
    "aws_ecr_lifecycle_policy": _ecr_lifecycle_policy,
    "aws_ecs_cluster": _ecs_cluster,
    "aws_ecs_service": _ecs_service,
    "aws_ecs_task_definition": _ecs_task_definition,
    "aws_iam_role": _iam_role,
    "aws_iam_role_policy": _iam_role_policy,
    "aws_lb_listener": _lb_listener,
    "aws_sns_topic_policy": _sns_topic_policy,
    "aws_sqs_queue": _sqs_queue,
    "aws_sqs_queue_policy": _sqs_queue_policy,
}


# A bucket's configuration blocks have no existence of their own: each is a GET on the bucket,
# which fails once the bucket is gone (checked here too, by that GET).
BUCKET_PARTS = {
    "aws_s3_bucket_lifecycle_configuration": "get_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy": "get_bucket_policy",
    "aws_s3_bucket_public_access_block": "get_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration": "get_bucket_encryption",
    "aws_s3_bucket_versioning": "get_bucket_versioning",
}


def still_there_anywhere(config, resource_type: str, instances: list[Attributes]) -> list[str]:
    if resource_type in LISTED:
        return listed_still_there(config, resource_type, instances)
    if resource_type in BUCKET_PARTS:
        s3 = client(config, "s3")
        call = getattr(s3, BUCKET_PARTS[resource_type])
        return [a["bucket"] for a in instances if not missing(lambda a=a: call(Bucket=a["bucket"]))]
    return STILL_THERE[resource_type](lambda service: client(config, service), [a["id"] for a in instances], instances)


def synthesized_types(outdir: Path) -> set[str]:
    return {
        resource_type
        for layer in LAYERS
        for resource_type in json.loads((outdir / "stacks" / f"{layer}-local" / "cdk.tf.json").read_text())["resource"]
    }


# Kept by `destroy` on purpose, with the reason; the synth must say so too.
KEPT_ON_PURPOSE = {
    "aws_ecs_task_definition": "skip_destroy: every revision stays registered (ACTIVE), so a rollback to it "
    "stays possible (constructs_lib/backend/fargate_service.py); a new deploy registers the next revision",
}


def test_destroy_leaves_none_of_our_resources(deployed):
    """Every resource of every type the three workspaces create, read back from the emulator
    by its id after `destroy`: gone (or, where AWS keeps it, in its deleted state; what we
    keep on purpose is KEPT_ON_PURPOSE, with the reason). With all
    of them gone, nothing blocks a deploy of the same names on the same emulator again (what
    a second whole cycle used to prove at the cost of another deploy and destroy)."""
    config, outdir = deployed
    created: dict[str, list[Attributes]] = {}
    for layer in LAYERS:
        for resource in local_environment.managed_resources(
            local_environment.read_state(local_environment.state_file(config, outdir, layer))
        ):
            created.setdefault(resource["type"], []).extend(i["attributes"] for i in resource["instances"])
    # Every type the synth declares was created, so each is checked below; and each check
    # finds every instance while it is deployed (a check that finds nothing proves nothing).
    assert set(created) == synthesized_types(outdir)
    counts = {t: len(instances) for t, instances in created.items()}
    assert {t: len(still_there_anywhere(config, t, instances)) for t, instances in created.items()} == counts

    assert local_environment.destroy(config, outdir=outdir) == exit_codes.OK
    left = {t: found for t, i in sorted(created.items()) if (found := still_there_anywhere(config, t, i))}
    assert left == {t: still_there_anywhere(config, t, created[t]) for t in KEPT_ON_PURPOSE}
    assert {t: len(found) for t, found in left.items()} == {t: len(created[t]) for t in KEPT_ON_PURPOSE}
    backend = json.loads((outdir / "stacks" / "backend-local" / "cdk.tf.json").read_text())
    assert [body.get("skip_destroy") for body in backend["resource"]["aws_ecs_task_definition"].values()] == [True]
    assert our_resources(config) == {}
    for layer in LAYERS:
        state = local_environment.read_state(local_environment.state_file(config, outdir, layer))
        assert local_environment.managed_resources(state) == [], f"{layer}-local: state still holds resources"
    # Destroyed on purpose: the next deploy is a first deploy again (a failure removes what it made).
    assert not [layer for layer in LAYERS if last_good_file(config, outdir, layer).exists()]
