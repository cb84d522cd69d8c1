"""The remote-state contracts: each workspace's named, described outputs (pure data).

`parent` publishes its contract and `backend`/`frontend` read it through
`workspace.outputs.ParentOutputs`; `backend`'s outputs are what operators and tools read.
Names are stable (no generated cross-stack names), so every workspace can be planned on its
own, in Terraform Cloud too. Emitting them is `workspace.outputs.publish`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class OutputSpec:
    description: str
    sensitive: bool = False


@dataclass(frozen=True)
class Contract:
    """The outputs of the workspace `layer`, by name, in the order they are emitted."""

    layer: str
    outputs: Mapping[str, OutputSpec]


PARENT_CONTRACT = Contract(
    "parent",
    {
        "parameter_prefix": OutputSpec("SSM path every parameter of this environment lives under (/dailydesk/<env>)."),
        "parameter_arns": OutputSpec("Map: spec parameter name -> SSM parameter ARN, for all 55 (CDK and manual)."),
        "parameter_values": OutputSpec("Map: spec parameter name -> value, for every non-sensitive CDK parameter."),
        "parameters_kms_key_arn": OutputSpec("KMS key that encrypts the CDK-written SecureString parameters."),
        "secret_arn_patterns": OutputSpec(
            "Map: Secrets Manager secret name -> ARN pattern (secret ARNs end in a random suffix)."
        ),
        "ecr_repository_name": OutputSpec("Name of the backend's ECR repository (the backend creates it)."),
        "log_group_name": OutputSpec("CloudWatch log group of the API (logs/log-group)."),
        "log_stream_name": OutputSpec("CloudWatch log stream of the API (logs/log-stream)."),
        "deployment_topic_name": OutputSpec("Name of the deployment-notification SNS topic."),
        "deployment_topic_arn": OutputSpec("ARN of the deployment-notification SNS topic (sns/deployment-topic)."),
    },
)

BACKEND_CONTRACT = Contract(
    "backend",
    {
        "alb_dns_name": OutputSpec("DNS name of the API load balancer (point the backend-url record at it)."),
        "cluster_name": OutputSpec("Name of the ECS cluster that runs the API."),
        "service_name": OutputSpec("Name of the ECS service of the API (the pipeline deploys onto it)."),
        "ecr_repository_url": OutputSpec("URL of the ECR repository the pipeline pushes the API image to."),
        "redis_endpoint": OutputSpec("Primary endpoint address of the Redis replication group (TLS, port 6379)."),
        "schedule_rule_names": OutputSpec("Map: cron job name -> EventBridge rule name."),
        "dead_letter_queue_urls": OutputSpec("Map: cron job name -> URL of its dead-letter queue (failed calls)."),
        "pipeline_name": OutputSpec("Name of the ecs-pipeline CodePipeline (source, build, migrations, deploy)."),
        "pipeline_artifact_bucket": OutputSpec("S3 bucket holding the ecs-pipeline's artifacts."),
        "alarm_names": OutputSpec(
            "Map: alarm purpose (workspace/alarms.py, e.g. dead-letter-queue/reset-queue, redis-memory/001) -> "
            "CloudWatch alarm name."
        ),
        "operations_topic_arn": OutputSpec(
            "ARN of the operations SNS topic every alarm notifies (on ALARM and on OK); subscribe to it by hand."
        ),
    },
)

FRONTEND_CONTRACT = Contract(
    "frontend",
    {
        "pipeline_name": OutputSpec("Name of the frontend CodePipeline (source, build of the apps, publish)."),
        "pipeline_artifact_bucket": OutputSpec("S3 bucket holding the frontend pipeline's artifacts."),
    },
)
