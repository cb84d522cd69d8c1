"""The backend workspace as a whole: its outputs contract and its resource inventory."""

import pytest

from tests.synth import ref, resource_counts
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS
from workspace.contracts import BACKEND_CONTRACT

BACKEND_OUTPUTS = BACKEND_CONTRACT.outputs

# backend-prod without the delivery pipeline (composed at the end of BackendStack).
EXPECTED_BACKEND_COUNTS = {
    "aws_appautoscaling_policy": 2,
    "aws_appautoscaling_target": 1,
    "aws_cloudwatch_event_api_destination": 3,
    "aws_cloudwatch_event_connection": 2,
    "aws_cloudwatch_event_rule": 3,
    "aws_cloudwatch_event_target": 3,
    "aws_cloudwatch_log_group": 1,
    "aws_cloudwatch_log_stream": 1,
    "aws_ecr_lifecycle_policy": 1,
    "aws_ecr_repository": 1,
    "aws_ecs_cluster": 1,
    "aws_ecs_service": 1,
    "aws_ecs_task_definition": 1,
    "aws_elasticache_replication_group": 1,
    "aws_elasticache_subnet_group": 1,
    "aws_iam_role": 5,
    "aws_iam_role_policy": 5,
    # The log groups' key and Redis's key.
    "aws_kms_alias": 2,
    "aws_kms_key": 2,
    "aws_lb": 1,
    "aws_lb_listener": 2,
    "aws_lb_target_group": 1,
    # The ALB's access-log bucket.
    "aws_s3_bucket": 1,
    "aws_s3_bucket_lifecycle_configuration": 1,
    "aws_s3_bucket_policy": 1,
    "aws_s3_bucket_public_access_block": 1,
    "aws_s3_bucket_server_side_encryption_configuration": 1,
    "aws_s3_bucket_versioning": 1,
    "aws_security_group": 3,
    "aws_sqs_queue": 3,
    "aws_sqs_queue_policy": 3,
    "aws_vpc_security_group_egress_rule": 4,
    "aws_vpc_security_group_ingress_rule": 5,
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_backend_resources_are_at_least_the_architecture(synthesized, env):
    counts = resource_counts(synthesized[f"backend-{env}"])
    # The pipeline adds its own resources (and rules) on top; none of these may be missing.
    for resource_type, count in EXPECTED_BACKEND_COUNTS.items():
        assert counts.get(resource_type, 0) >= count, resource_type
    for resource_type in (
        "aws_ecs_service",
        "aws_ecs_cluster",
        "aws_lb",
        "aws_elasticache_replication_group",
        "aws_ecr_repository",
    ):
        assert counts[resource_type] == EXPECTED_BACKEND_COUNTS[resource_type]


def test_local_deploys_the_same_architecture_as_prod(synthesized):
    assert resource_counts(synthesized["backend-local"]) == resource_counts(synthesized["backend-prod"])


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_outputs_are_the_named_and_described_contract(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    outputs = stack["output"]
    assert set(BACKEND_OUTPUTS) <= set(outputs)
    for name in BACKEND_OUTPUTS:
        assert outputs[name]["description"] == BACKEND_OUTPUTS[name].description
    assert outputs["alb_dns_name"]["value"] == ref(stack, "aws_lb", "load-balancer/alb", "dns_name")
    assert outputs["service_name"]["value"] == ref(stack, "aws_ecs_service", "api/service", "name")
    assert outputs["cluster_name"]["value"] == ref(stack, "aws_ecs_cluster", "api/cluster", "name")
    assert outputs["ecr_repository_url"]["value"] == ref(
        stack, "aws_ecr_repository", "registry/repository", "repository_url"
    )
    assert outputs["redis_endpoint"]["value"] == ref(
        stack, "aws_elasticache_replication_group", "redis/replication-group", "primary_endpoint_address"
    )
    assert set(outputs["schedule_rule_names"]["value"]) == {"reset-queue", "send-review-sms", "send-campaign-sms"}


def test_construct_ids_do_not_contain_the_environment(synthesized):
    for env in ENVIRONMENTS:
        for blocks in synthesized[f"backend-{env}"]["resource"].values():
            for logical_id in blocks:
                assert env not in logical_id.lower().split("_")[0].split("-"), logical_id


def test_the_task_size_comes_from_the_environment_file(make_stack):
    stack = make_stack("backend", "local", **{"fargate.cpu": 512, "fargate.memory": 2048})
    (task_definition,) = stack["resource"]["aws_ecs_task_definition"].values()
    assert (task_definition["cpu"], task_definition["memory"]) == ("512", "2048")
