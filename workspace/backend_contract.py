"""The named outputs of the `backend` workspace: what operators and other tools read."""

from __future__ import annotations

from workspace.contracts import Contract, OutputSpec

BACKEND_OUTPUTS: dict[str, OutputSpec] = {
    "alb_dns_name": OutputSpec("DNS name of the API load balancer (point the backend-url record at it)."),
    "cluster_name": OutputSpec("Name of the ECS cluster that runs the API."),
    "service_name": OutputSpec("Name of the ECS service of the API (the pipeline deploys onto it)."),
    "ecr_repository_url": OutputSpec("URL of the ECR repository the pipeline pushes the API image to."),
    "redis_endpoint": OutputSpec("Primary endpoint address of the Redis replication group (TLS, port 6379)."),
    "schedule_rule_names": OutputSpec("Map: cron job name -> EventBridge rule name."),
    "dead_letter_queue_urls": OutputSpec("Map: cron job name -> URL of its dead-letter queue (failed calls)."),
    "pipeline_name": OutputSpec("Name of the ecs-pipeline CodePipeline (source, build, migrations, deploy)."),
    "pipeline_artifact_bucket": OutputSpec("S3 bucket holding the ecs-pipeline's artifacts."),
}

BACKEND_CONTRACT = Contract("backend", BACKEND_OUTPUTS)
