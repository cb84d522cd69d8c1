"""The named outputs of the `backend` workspace: what operators and other tools read."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from constructs_lib.parent_contract import OutputSpec

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


def publish(stack: TerraformStack, values: dict[str, object]) -> dict[str, TerraformOutput]:
    """Emit the backend's outputs; refuses a missing or an unknown key."""
    missing, unknown = set(BACKEND_OUTPUTS) - set(values), set(values) - set(BACKEND_OUTPUTS)
    if missing or unknown:
        raise ValueError(f"backend outputs do not match the contract: missing {sorted(missing)}, unknown {sorted(unknown)}")
    return {
        name: TerraformOutput(stack, name, value=values[name], description=spec.description, sensitive=spec.sensitive)
        for name, spec in BACKEND_OUTPUTS.items()
    }
