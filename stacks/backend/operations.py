"""Operations: the alarms on the API, the cron jobs and Redis, and the encrypted topic they
notify (subscriptions are added by hand)."""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import CountAlarm, PercentAlarm
from constructs_lib.backend.alarms import (
    CLOUDWATCH_PRINCIPAL,
    AlarmRule,
    BackendAlarms,
    BackendAlarmsProps,
    alarm_publisher_conditions,
)
from constructs_lib.shared.encrypted_topic import EncryptedTopic, EncryptedTopicProps
from stacks.backend.api import Api
from stacks.backend.jobs import Jobs
from stacks.base import WorkspaceStack


@dataclass(frozen=True)
class Operations:
    topic: EncryptedTopic
    alarms: BackendAlarms


def rule(alarm: PercentAlarm | CountAlarm) -> AlarmRule:
    """An alarm's settings from its `[alarms.<kind>]` section of the environment file."""
    return AlarmRule(
        threshold=alarm.threshold,
        period_seconds=alarm.period_seconds,
        evaluation_periods=alarm.evaluation_periods,
        datapoints_to_alarm=alarm.datapoints_to_alarm,
    )


def compose_operations(stack: WorkspaceStack, api: Api, jobs: Jobs) -> Operations:
    config, namer = stack.config, stack.namer
    conditions = alarm_publisher_conditions(stack.context)
    topic = EncryptedTopic(
        stack,
        "operations-topic",
        props=EncryptedTopicProps(
            context=stack.context,
            topic_name=namer.name("operations"),
            key_alias=namer.name("operations"),
            publisher=CLOUDWATCH_PRINCIPAL,
            publish_sid="AlarmsOfThisAccountPublish",
            publish_conditions=conditions,
            key_conditions=conditions,
        ),
    )
    settings = config.alarms
    alarms = BackendAlarms(
        stack,
        "alarms",
        props=BackendAlarmsProps(
            context=stack.context,
            topic_arn=topic.arn,
            dead_letter_queues=tuple((name, call.dead_letter_queue.name) for name, call in jobs.calls.items()),
            load_balancer_arn_suffix=api.load_balancer.alb.arn_suffix,
            target_group_arn_suffix=api.load_balancer.target_group.arn_suffix,
            cluster_name=api.service.cluster.name,
            service_name=api.service.service.name,
            redis_replication_group_id=api.redis.replication_group.replication_group_id,
            redis_node_count=config.redis.cache_clusters,
            dead_letter_queue=rule(settings.dead_letter_queue),
            http_5xx_rate=rule(settings.http_5xx_rate),
            unhealthy_targets=rule(settings.unhealthy_targets),
            service_cpu=rule(settings.service_cpu),
            service_memory=rule(settings.service_memory),
            redis_memory=rule(settings.redis_memory),
            redis_evictions=rule(settings.redis_evictions),
        ),
    )
    return Operations(topic, alarms)
