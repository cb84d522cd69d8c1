"""The backend's alarms and the encrypted operations topic they notify."""

from __future__ import annotations

import pytest

from config import load_environment
from tests.synth import body, ref, resources, statements
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS

JOBS = ("reset-queue", "send-campaign-sms", "send-review-sms")
ALARM = "aws_cloudwatch_metric_alarm"
TOPIC = ("aws_sns_topic", "operations-topic/topic")


def alarm(stack: dict, construct_id: str) -> dict:
    return body(stack, ALARM, f"/alarms/{construct_id}")


def assert_rule_and_actions(stack: dict, found: dict, rule) -> None:
    """Threshold and evaluation from the config; ALARM and OK go to the operations topic."""
    topic_arn = ref(stack, *TOPIC, "arn")
    assert found["comparison_operator"] == "GreaterThanThreshold"
    assert found["threshold"] == rule.threshold
    assert found["evaluation_periods"] == rule.evaluation_periods
    assert found["datapoints_to_alarm"] == rule.datapoints_to_alarm
    assert found["treat_missing_data"] == "notBreaching"
    assert found["actions_enabled"] is True
    assert found["alarm_actions"] == [topic_arn]
    assert found["ok_actions"] == [topic_arn]
    assert "insufficient_data_actions" not in found


def assert_single_metric(found: dict, rule, metric: tuple[str, str, str], dimensions: dict) -> None:
    """`metric` is (namespace, name, statistic)."""
    assert (found["namespace"], found["metric_name"], found["statistic"]) == metric
    assert found["period"] == rule.period_seconds
    assert found["dimensions"] == dimensions
    assert "metric_query" not in found


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_one_alarm_per_purpose_named_after_it(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    nodes = [f"{n:03d}" for n in range(1, config.redis.cache_clusters + 1)]
    expected = {
        *(f"dead-letter-queue-{job}" for job in JOBS),
        "http-5xx-rate",
        "unhealthy-targets",
        "service-cpu",
        "service-memory",
        *(f"redis-memory-{node}" for node in nodes),
        *(f"redis-evictions-{node}" for node in nodes),
    }
    found = {item["//"]["metadata"]["path"].rsplit("/", 1)[1]: item for item in resources(stack, ALARM).values()}
    assert set(found) == expected
    for construct_id, item in found.items():
        assert item["alarm_name"] == f"dailydesk-{env}-{construct_id}"
        assert item["alarm_description"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("job", JOBS)
def test_dead_letter_queue_alarm(synthesized, env, job):
    stack, rule = synthesized[f"backend-{env}"], load_environment(env).alarms.dead_letter_queue
    found = alarm(stack, f"dead-letter-queue-{job}")
    queue_name = ref(stack, "aws_sqs_queue", f"job-{job}/dead-letter-queue", "name")
    assert_single_metric(
        found, rule, ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"), {"QueueName": queue_name}
    )
    assert_rule_and_actions(stack, found, rule)
    assert rule.threshold == 0  # the default: any message


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_http_5xx_rate_is_metric_math_over_the_load_balancer(synthesized, env):
    stack, rule = synthesized[f"backend-{env}"], load_environment(env).alarms.http_5xx_rate
    found = alarm(stack, "http-5xx-rate")
    load_balancer = {"LoadBalancer": ref(stack, "aws_lb", "load-balancer/alb", "arn_suffix")}

    def count(query_id: str, metric: str) -> dict:
        return {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": "AWS/ApplicationELB",
                "metric_name": metric,
                "stat": "Sum",
                "period": rule.period_seconds,
                "dimensions": load_balancer,
            },
        }

    assert found["metric_query"] == [
        {
            "id": "rate",
            "expression": "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests",
            "label": "HTTP 5xx rate (%)",
            "return_data": True,
        },
        count("target_5xx", "HTTPCode_Target_5XX_Count"),
        count("elb_5xx", "HTTPCode_ELB_5XX_Count"),
        count("requests", "RequestCount"),
    ]
    # A metric-math alarm names no metric, statistic or period of its own, and no account:
    # the emulator (and the alarm's own account) would echo none back (perpetual diff).
    for single in ("namespace", "metric_name", "statistic", "period", "dimensions"):
        assert single not in found
    assert all("account_id" not in query for query in found["metric_query"])
    assert_rule_and_actions(stack, found, rule)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_unhealthy_targets_of_the_api_target_group(synthesized, env):
    stack, rule = synthesized[f"backend-{env}"], load_environment(env).alarms.unhealthy_targets
    found = alarm(stack, "unhealthy-targets")
    dimensions = {
        "TargetGroup": ref(stack, "aws_lb_target_group", "load-balancer/target-group", "arn_suffix"),
        "LoadBalancer": ref(stack, "aws_lb", "load-balancer/alb", "arn_suffix"),
    }
    assert_single_metric(found, rule, ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum"), dimensions)
    assert_rule_and_actions(stack, found, rule)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize(("kind", "metric"), [("cpu", "CPUUtilization"), ("memory", "MemoryUtilization")])
def test_service_utilization(synthesized, env, kind, metric):
    stack = synthesized[f"backend-{env}"]
    rule = getattr(load_environment(env).alarms, f"service_{kind}")
    found = alarm(stack, f"service-{kind}")
    dimensions = {
        "ClusterName": ref(stack, "aws_ecs_cluster", "api/cluster", "name"),
        "ServiceName": ref(stack, "aws_ecs_service", "api/service", "name"),
    }
    assert_single_metric(found, rule, ("AWS/ECS", metric, "Average"), dimensions)
    assert_rule_and_actions(stack, found, rule)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_redis_memory_and_evictions_per_node(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    group_id = ref(stack, "aws_elasticache_replication_group", "redis/replication-group", "replication_group_id")
    for number in range(1, config.redis.cache_clusters + 1):
        node = {"CacheClusterId": f"{group_id}-{number:03d}"}
        memory = alarm(stack, f"redis-memory-{number:03d}")
        assert_single_metric(
            memory, config.alarms.redis_memory, ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum"), node
        )
        assert_rule_and_actions(stack, memory, config.alarms.redis_memory)
        evictions = alarm(stack, f"redis-evictions-{number:03d}")
        assert_single_metric(evictions, config.alarms.redis_evictions, ("AWS/ElastiCache", "Evictions", "Sum"), node)
        assert_rule_and_actions(stack, evictions, config.alarms.redis_evictions)


def test_thresholds_and_evaluation_come_from_the_environment_file(make_stack):
    stack = make_stack(
        "backend",
        "local",
        **{
            "alarms.http_5xx_rate.threshold": 2.5,
            "alarms.http_5xx_rate.period_seconds": 60,
            "alarms.service_cpu.evaluation_periods": 6,
            "alarms.service_cpu.datapoints_to_alarm": 4,
            "alarms.dead_letter_queue.threshold": 10,
            "redis.cache_clusters": 3,
        },
    )
    rate = alarm(stack, "http-5xx-rate")
    assert rate["threshold"] == 2.5
    assert {query["metric"]["period"] for query in rate["metric_query"] if "metric" in query} == {60}
    cpu = alarm(stack, "service-cpu")
    assert (cpu["evaluation_periods"], cpu["datapoints_to_alarm"]) == (6, 4)
    assert alarm(stack, "dead-letter-queue-reset-queue")["threshold"] == 10
    assert alarm(stack, "redis-memory-003")["dimensions"]["CacheClusterId"].endswith("-003")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_topic_is_encrypted_with_its_own_key_and_protected_like_the_environment(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    topic = body(stack, *TOPIC)
    assert topic["name"] == f"dailydesk-{env}-operations"
    assert topic["kms_master_key_id"] == ref(stack, "aws_kms_key", "operations-topic/key/key", "arn")
    assert topic["lifecycle"] == {"prevent_destroy": config.protection.prevent_destroy}
    key = body(stack, "aws_kms_key", "operations-topic/key/key")
    assert key["enable_key_rotation"] is True
    assert key["lifecycle"] == {"prevent_destroy": config.protection.prevent_destroy}
    alias = body(stack, "aws_kms_alias", "operations-topic/key/alias")
    assert alias["name"] == f"alias/dailydesk-{env}-operations"


def alarms_of_this_account(env: str) -> list[dict]:
    config = load_environment(env)
    return [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [config.account_id]},
        {
            "test": "ArnLike",
            "variable": "aws:SourceArn",
            "values": [f"arn:aws:cloudwatch:{config.region}:{config.account_id}:alarm:*"],
        },
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_key_lets_cloudwatch_encrypt_for_this_accounts_alarms_only(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    found = statements(stack, "operations-topic/key/policy")
    assert set(found) == {"AccountAdministersKey", "ServicesEncrypt"}
    service = found["ServicesEncrypt"]
    assert service["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert service["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert service["condition"] == alarms_of_this_account(env)
    account = found["AccountAdministersKey"]
    assert account["principals"] == [
        {"type": "AWS", "identifiers": [f"arn:aws:iam::{load_environment(env).account_id}:root"]}
    ]
    assert "kms:*" not in account["actions"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_topic_policy_lets_cloudwatch_publish_for_this_accounts_alarms_only(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    topic_arn = ref(stack, *TOPIC, "arn")
    policy = body(stack, "aws_sns_topic_policy", "operations-topic/policy")
    assert policy["arn"] == topic_arn
    assert policy["policy"] == ref(
        stack, "aws_iam_policy_document", "operations-topic/policy-document", "json", data=True
    )
    (publish,) = statements(stack, "operations-topic/policy-document").values()
    assert publish["sid"] == "AlarmsOfThisAccountPublish"
    assert publish["effect"] == "Allow"
    assert publish["actions"] == ["sns:Publish"]
    assert publish["resources"] == [topic_arn]
    assert publish["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert publish["condition"] == alarms_of_this_account(env)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_outputs_name_every_alarm_by_purpose_and_the_topic(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    outputs = stack["output"]
    names = outputs["alarm_names"]["value"]
    by_id = {item["//"]["metadata"]["path"].rsplit("/", 1)[1]: key for key, item in resources(stack, ALARM).items()}
    assert names == {
        construct_id.replace("dead-letter-queue-", "dead-letter-queue/")
        .replace("redis-memory-", "redis-memory/")
        .replace("redis-evictions-", "redis-evictions/"): f"${{{ALARM}.{key}.alarm_name}}"
        for construct_id, key in by_id.items()
    }
    assert outputs["operations_topic_arn"]["value"] == ref(stack, *TOPIC, "arn")
