"""The API on Fargate: cluster, task definition, service, auto scaling."""

import pytest

from config import load_environment
from constructs_lib.backend.fargate_service import SERVICE_IGNORE_CHANGES
from stacks.backend.api_settings import secret_parameters, variable_name
from tests.synth import body, entry, only, parent_output, ref, resources, strip_metadata
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS, container, single_quoted
from workspace.catalogue import manual_parameters


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_cluster_has_container_insights(synthesized, env):
    cluster = only(synthesized[f"backend-{env}"], "aws_ecs_cluster")
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    assert cluster["name"] == f"dailydesk-{env}-cluster"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_task_definition_size_and_roles(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    task = only(stack, "aws_ecs_task_definition")
    assert (task["cpu"], task["memory"]) == (str(config.fargate.cpu), str(config.fargate.memory))
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["network_mode"] == "awsvpc"
    assert task["execution_role_arn"] == ref(stack, "aws_iam_role", "task-roles/execution-role", "arn")
    assert task["task_role_arn"] == ref(stack, "aws_iam_role", "task-roles/task-role", "arn")


def test_sizes_differ_between_prod_and_dev(synthesized):
    prod = only(synthesized["backend-prod"], "aws_ecs_task_definition")
    dev = only(synthesized["backend-dev"], "aws_ecs_task_definition")
    assert (prod["cpu"], prod["memory"], dev["cpu"], dev["memory"]) == ("1024", "2048", "256", "512")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_secret_is_injected_by_reference_only(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    definition = container(stack)
    secrets = {s["name"]: s["valueFrom"] for s in definition["secrets"]}
    for parameter in secret_parameters():
        assert secrets[variable_name(parameter.name)] == single_quoted(
            parent_output(stack, "parameter_arns", parameter.name)
        )
    assert {variable_name(p.name) for p in manual_parameters()} <= set(secrets)
    assert len(manual_parameters()) == 9
    for name, key in (("technician-scheduler", "x-api-key"), ("send-review-to-customer", "x-api-key-send-sms")):
        # The full ARN from the secret's metadata lookup (DescribeSecret), never its value.
        lookup = body(stack, "aws_secretsmanager_secret", f"api-key-{name}/secret", data=True)
        assert strip_metadata(lookup) == {"name": name}
        arn = ref(stack, "aws_secretsmanager_secret", f"api-key-{name}/secret", "arn", data=True)
        assert secrets[f"{variable_name(name)}_API_KEY"] == f"{arn}:{key}::"
    # No secret name appears among the plain values.
    plain = {e["name"] for e in definition["environment"]}
    assert not plain & set(secrets)
    assert not any("secret_string" in e["value"] for e in definition["environment"])


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_plain_settings_reach_the_container(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    definition = container(stack)
    environment = {e["name"]: e["value"] for e in definition["environment"]}
    assert environment["REDIS_HOST"] == ref(
        stack, "aws_elasticache_replication_group", "redis/replication-group", "primary_endpoint_address"
    )
    assert environment["REDIS_PORT"] == "6379"
    assert environment["REDIS_TLS"] == "true"
    assert environment["PARAMETER_PREFIX"] == parent_output(stack, "parameter_prefix")
    assert environment["RDS_HOST"] == single_quoted(parent_output(stack, "parameter_values", "rds/host"))
    assert environment["RDS_PORT"] == single_quoted(parent_output(stack, "parameter_values", "rds/port"))
    assert environment["PORT"] == str(config.fargate.container_port)
    assert definition["portMappings"] == [
        {"containerPort": config.fargate.container_port, "hostPort": config.fargate.container_port, "protocol": "tcp"}
    ]
    assert definition["logConfiguration"]["options"]["awslogs-group"] == ref(
        stack, "aws_cloudwatch_log_group", "logs/group", "name"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_service_is_private_behind_the_alb_with_rollback(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    service = only(stack, "aws_ecs_service")
    assert service["launch_type"] == "FARGATE"
    assert service["desired_count"] == config.fargate.desired_count
    assert service["network_configuration"] == {
        "assign_public_ip": False,
        "subnets": list(config.network.private_subnet_ids),
        "security_groups": [ref(stack, "aws_security_group", "network/service", "id")],
    }
    assert service["load_balancer"] == [
        {
            "target_group_arn": ref(stack, "aws_lb_target_group", "load-balancer/target-group", "arn"),
            "container_name": "api",
            "container_port": config.fargate.container_port,
        }
    ]
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert (service["deployment_minimum_healthy_percent"], service["deployment_maximum_percent"]) == (100, 200)
    assert service["health_check_grace_period_seconds"] == config.fargate.health_check_grace_seconds
    listener_id, _ = entry(stack, "aws_lb_listener", "load-balancer/https")
    assert service["depends_on"] == [f"aws_lb_listener.{listener_id}"]


def expression(reference: str) -> str:
    """`${x.y}` -> `x.y`: a reference as it appears inside a larger expression."""
    assert reference.startswith("${") and reference.endswith("}"), reference
    return reference[2:-1]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_service_follows_the_task_definition_and_leaves_only_the_count_to_scaling(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    service = only(stack, "aws_ecs_service")
    assert SERVICE_IGNORE_CHANGES == ("desired_count",)
    assert service["lifecycle"] == {"ignore_changes": ["desired_count"]}
    assert service["task_definition"] == ref(stack, "aws_ecs_task_definition", "api/task-definition", "arn")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_task_definition_tracks_the_latest_revision_and_never_deregisters(synthesized, env):
    task = only(synthesized[f"backend-{env}"], "aws_ecs_task_definition")
    assert task["track_latest"] is True
    assert task["skip_destroy"] is True
    assert task["family"] == f"dailydesk-{env}-api"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deployed_container_is_read_only_once_the_cluster_exists(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    clusters = body(stack, "aws_ecs_clusters", "api/clusters", data=True)
    assert set(clusters) == {"//"}  # every cluster of the account and region
    deployed = body(stack, "aws_ecs_container_definition", "api/deployed-container", data=True)
    # The family by name: a reference to the task definition would defer the read to apply.
    assert deployed["task_definition"] == only(stack, "aws_ecs_task_definition")["family"]
    assert deployed["container_name"] == "api"
    cluster_arns = expression(ref(stack, "aws_ecs_clusters", "api/clusters", "cluster_arns", data=True))
    cluster_arn = f"arn:{config.partition}:ecs:{config.region}:{config.account_id}:cluster/dailydesk-{env}-cluster"
    assert only(stack, "aws_ecs_cluster")["name"] == cluster_arn.rsplit("/", 1)[1]
    # An account without clusters lists null, not an empty list.
    assert deployed["count"] == f'${{contains(coalesce({cluster_arns}, []), "{cluster_arn}") ? 1 : 0}}'


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_image_is_the_deployed_one_or_the_bootstrap_tag(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    key, _ = entry(stack, "aws_ecs_container_definition", "api/deployed-container", data=True)
    repository_url = ref(stack, "aws_ecr_repository", "registry/repository", "repository_url")
    # `one` of the (0 or 1) read containers is null before the first deploy: then bootstrap.
    assert container(stack)["image"] == single_quoted(
        f'${{coalesce(one(data.aws_ecs_container_definition.{key}[*].image), "{repository_url}:bootstrap")}}'
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_cluster_is_created_after_the_task_definition(synthesized, env):
    # So "the cluster is listed" implies "the family has a revision" for the guarded read.
    stack = synthesized[f"backend-{env}"]
    task_key, _ = entry(stack, "aws_ecs_task_definition", "api/task-definition")
    assert only(stack, "aws_ecs_cluster")["depends_on"] == [f"aws_ecs_task_definition.{task_key}"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_auto_scaling_target_and_two_tracking_policies(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    scaling = config.fargate.auto_scaling
    target = only(stack, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (scaling.min_capacity, scaling.max_capacity)
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    cluster = ref(stack, "aws_ecs_cluster", "api/cluster", "name")
    assert target["resource_id"] == f"service/{cluster}/{ref(stack, 'aws_ecs_service', 'api/service', 'name')}"
    policies = {
        p["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"][
            "predefined_metric_type"
        ]: p["target_tracking_scaling_policy_configuration"]["target_value"]
        for p in resources(stack, "aws_appautoscaling_policy").values()
    }
    assert policies == {
        "ECSServiceAverageCPUUtilization": scaling.cpu_target_percent,
        "ECSServiceAverageMemoryUtilization": scaling.memory_target_percent,
    }
    for policy in resources(stack, "aws_appautoscaling_policy").values():
        assert policy["policy_type"] == "TargetTrackingScaling"
        assert policy["resource_id"] == ref(stack, "aws_appautoscaling_target", "api/scaling-target", "resource_id")
