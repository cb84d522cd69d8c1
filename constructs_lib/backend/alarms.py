"""The backend's CloudWatch alarms: what operators are told about (through the operations
topic) when the API, its cron jobs or Redis are in trouble, and again when it clears.

Every alarm fires when its statistic is above the threshold (`GreaterThanThreshold`) in
`datapoints_to_alarm` of the last `evaluation_periods` periods. A period without data is
treated as not breaching: an idle queue stops reporting after six hours, a load balancer
without requests reports no 5xx count and no request count, and none of those is trouble.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from constructs_lib.shared.iam import Condition, source_conditions
from workspace import alarms as kinds
from workspace.context import AwsContext

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
DEFAULT_COMPARISON = "GreaterThanThreshold"
DEFAULT_TREAT_MISSING_DATA = "notBreaching"

SQS_NAMESPACE = "AWS/SQS"
ALB_NAMESPACE = "AWS/ApplicationELB"
ECS_NAMESPACE = "AWS/ECS"
ELASTICACHE_NAMESPACE = "AWS/ElastiCache"

# The 5xx rate: API (target) and load-balancer 5xx responses per 100 requests. CloudWatch
# reports a 5xx count only for periods that had one, and an expression over a series
# without a datapoint has none either: FILL makes a missing count 0, so one kind of 5xx is
# never hidden by the other's absence. Without requests the rate has no datapoint.
HTTP_5XX_RATE_EXPRESSION = "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests"
HTTP_5XX_RATE_METRICS: tuple[tuple[str, str], ...] = (
    ("target_5xx", "HTTPCode_Target_5XX_Count"),
    ("elb_5xx", "HTTPCode_ELB_5XX_Count"),
    ("requests", "RequestCount"),
)


@dataclass(frozen=True)
class AlarmRule:
    """When one alarm fires (the environment's `alarms.<kind>`)."""

    threshold: float
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    statistic: str
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BackendAlarmsProps:
    context: AwsContext
    # The operations topic: every alarm's ALARM and OK action.
    topic_arn: str
    # (cron job name, name of its dead-letter queue)
    dead_letter_queues: tuple[tuple[str, str], ...]
    load_balancer_arn_suffix: str
    target_group_arn_suffix: str
    cluster_name: str
    service_name: str
    redis_replication_group_id: str
    redis_node_count: int
    dead_letter_queue: AlarmRule
    http_5xx_rate: AlarmRule
    unhealthy_targets: AlarmRule
    service_cpu: AlarmRule
    service_memory: AlarmRule
    redis_memory: AlarmRule
    redis_evictions: AlarmRule


def redis_node_ids(replication_group_id: str, count: int) -> tuple[str, ...]:
    """The cache cluster IDs of a replication group's nodes (cluster mode off): ElastiCache
    names them `<group id>-001`, `-002`, ... in creation order."""
    return tuple(f"{replication_group_id}-{number:03d}" for number in range(1, count + 1))


def alarm_publisher_conditions(context: AwsContext) -> tuple[Condition, ...]:
    """CloudWatch may publish to the operations topic (and use its key) on behalf of this
    account's alarms in this region only."""
    return tuple(source_conditions(context.account_id, [context.arn("cloudwatch", "alarm:*")]))


class BackendAlarms(Construct):
    """Creates one CloudWatch metric alarm per purpose (`workspace.alarms`), each with the
    topic as its ALARM and OK action:

    - per cron job: messages visible in its dead-letter queue (Maximum);
    - the ALB's 5xx rate (metric math over Sum of the 5xx and request counts);
    - unhealthy targets of the API's target group (Maximum);
    - CPU and memory utilization of the ECS service (Average);
    - per Redis node: `DatabaseMemoryUsagePercentage` (Maximum) and `Evictions` (Sum).

    Expects the names and ARN suffixes of the resources watched and the topic's ARN (its
    policy must admit CloudWatch). Exposes `alarms` (purpose -> alarm).
    """

    def __init__(self, scope: Construct, id: str, *, props: BackendAlarmsProps) -> None:
        super().__init__(scope, id)
        self._props = p = props
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for job, queue in p.dead_letter_queues:
            self._single(
                kinds.DEAD_LETTER_QUEUE.purpose(job),
                p.dead_letter_queue,
                Metric(SQS_NAMESPACE, "ApproximateNumberOfMessagesVisible", "Maximum", (("QueueName", queue),)),
            )
        self._http_5xx_rate()
        self._single(
            kinds.UNHEALTHY_TARGETS.purpose(),
            p.unhealthy_targets,
            Metric(
                ALB_NAMESPACE,
                "UnHealthyHostCount",
                "Maximum",
                (("TargetGroup", p.target_group_arn_suffix), ("LoadBalancer", p.load_balancer_arn_suffix)),
            ),
        )
        service = (("ClusterName", p.cluster_name), ("ServiceName", p.service_name))
        self._single(
            kinds.SERVICE_CPU.purpose(), p.service_cpu, Metric(ECS_NAMESPACE, "CPUUtilization", "Average", service)
        )
        self._single(
            kinds.SERVICE_MEMORY.purpose(),
            p.service_memory,
            Metric(ECS_NAMESPACE, "MemoryUtilization", "Average", service),
        )
        for number, node in enumerate(redis_node_ids(p.redis_replication_group_id, p.redis_node_count), start=1):
            dimensions = (("CacheClusterId", node),)
            self._single(
                kinds.REDIS_MEMORY.purpose(f"{number:03d}"),
                p.redis_memory,
                Metric(ELASTICACHE_NAMESPACE, "DatabaseMemoryUsagePercentage", "Maximum", dimensions),
            )
            self._single(
                kinds.REDIS_EVICTIONS.purpose(f"{number:03d}"),
                p.redis_evictions,
                Metric(ELASTICACHE_NAMESPACE, "Evictions", "Sum", dimensions),
            )

    def _single(self, purpose: str, rule: AlarmRule, metric: Metric) -> CloudwatchMetricAlarm:
        return self._alarm(purpose, rule, f"{metric.statistic} {metric.name}", metric=metric)

    def _http_5xx_rate(self) -> CloudwatchMetricAlarm:
        p, rule = self._props, self._props.http_5xx_rate
        queries = [
            CloudwatchMetricAlarmMetricQuery(
                id="rate", expression=HTTP_5XX_RATE_EXPRESSION, label="HTTP 5xx rate (%)", return_data=True
            ),
            *(
                CloudwatchMetricAlarmMetricQuery(
                    id=query_id,
                    return_data=False,
                    metric=CloudwatchMetricAlarmMetricQueryMetric(
                        namespace=ALB_NAMESPACE,
                        metric_name=metric_name,
                        stat="Sum",
                        period=rule.period_seconds,
                        dimensions={"LoadBalancer": p.load_balancer_arn_suffix},
                    ),
                )
                for query_id, metric_name in HTTP_5XX_RATE_METRICS
            ),
        ]
        return self._alarm(kinds.HTTP_5XX_RATE.purpose(), rule, HTTP_5XX_RATE_EXPRESSION, queries=queries)

    def _alarm(
        self,
        purpose: str,
        rule: AlarmRule,
        measured: str,
        *,
        metric: Metric | None = None,
        queries: list[CloudwatchMetricAlarmMetricQuery] | None = None,
    ) -> CloudwatchMetricAlarm:
        """One alarm on either a single `metric` or the metric-math `queries`."""
        p = self._props
        alarm = CloudwatchMetricAlarm(
            self,
            purpose.replace(kinds.SEPARATOR, "-"),
            alarm_name=kinds.alarm_name(p.context.namer, purpose),
            alarm_description=(
                f"{kinds.watches(purpose)}: {measured} > {rule.threshold:g} in {rule.datapoints_to_alarm} of "
                f"{rule.evaluation_periods} periods of {rule.period_seconds} s"
            ),
            comparison_operator=DEFAULT_COMPARISON,
            threshold=rule.threshold,
            evaluation_periods=rule.evaluation_periods,
            datapoints_to_alarm=rule.datapoints_to_alarm,
            treat_missing_data=DEFAULT_TREAT_MISSING_DATA,
            actions_enabled=True,
            alarm_actions=[p.topic_arn],
            ok_actions=[p.topic_arn],
            namespace=metric.namespace if metric else None,
            metric_name=metric.name if metric else None,
            statistic=metric.statistic if metric else None,
            period=rule.period_seconds if metric else None,
            dimensions=dict(metric.dimensions) if metric else None,
            metric_query=queries,
        )
        self.alarms[purpose] = alarm
        return alarm
