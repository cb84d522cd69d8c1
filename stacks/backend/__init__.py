"""`backend-<env>`: the API (ECS Fargate behind an ALB), Redis, the cron jobs, the ecs-pipeline.

Reads like the architecture diagram, one step per module: `api` (internet -> ALB ->
Fargate service -> Redis / RDS), `jobs` (EventBridge -> API), `delivery` (the pipeline
deploys onto the service), `operations` (alarms on all of these -> the operations topic).
Names and ARNs of shared things come from the parent's outputs, sizes, settings and alarm
thresholds from the environment config.
"""

from __future__ import annotations

from constructs import Construct

from config.schema import EnvironmentConfig
from stacks.backend.api import compose_api
from stacks.backend.delivery import compose_delivery
from stacks.backend.jobs import compose_jobs
from stacks.backend.operations import compose_operations
from stacks.base import WorkspaceStack
from workspace import layers
from workspace.contracts import BACKEND_CONTRACT
from workspace.outputs import ParentOutputs, publish


class BackendStack(WorkspaceStack):
    layer = layers.BACKEND

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        self.parent = ParentOutputs(self, "parent", config=config, namer=self.namer)
        self.api = compose_api(self, self.parent)
        self.jobs = compose_jobs(self, self.parent, self.api)
        self.delivery = compose_delivery(self, self.parent, self.api)
        self.operations = compose_operations(self, self.api, self.jobs)
        self._publish()

    def _publish(self) -> None:
        api, jobs, delivery, operations = self.api, self.jobs.calls, self.delivery, self.operations
        publish(
            self,
            BACKEND_CONTRACT,
            {
                "alb_dns_name": api.load_balancer.dns_name,
                "cluster_name": api.service.cluster.name,
                "service_name": api.service.service.name,
                "ecr_repository_url": api.registry.repository.repository_url,
                "redis_endpoint": api.redis.endpoint,
                "schedule_rule_names": {name: job.rule.name for name, job in jobs.items()},
                "dead_letter_queue_urls": {name: job.dead_letter_queue.url for name, job in jobs.items()},
                "pipeline_name": delivery.pipeline.pipeline.name,
                "pipeline_artifact_bucket": delivery.artifacts.bucket.bucket,
                "alarm_names": {purpose: alarm.alarm_name for purpose, alarm in operations.alarms.alarms.items()},
                "operations_topic_arn": operations.topic.arn,
            },
        )
