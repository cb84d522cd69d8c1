import pytest

from tests.emulator import aws, fargate_service, register_fargate

pytestmark = pytest.mark.emulator


def test_service_keeps_grace_period_rebalancing_and_circuit_breaker(emulator_endpoint):
    ecs = fargate_service(
        emulator_endpoint,
        "keep",
        "10.93.0.0/16",
        healthCheckGracePeriodSeconds=60,
        availabilityZoneRebalancing="ENABLED",
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        enableECSManagedTags=True,
        enableExecuteCommand=False,
    )
    service = ecs.describe_services(cluster="keep", services=["svc"])["services"][0]
    assert service["healthCheckGracePeriodSeconds"] == 60
    assert service["availabilityZoneRebalancing"] == "ENABLED"
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["enableECSManagedTags"] is True
    assert service["enableExecuteCommand"] is False
    ecs.update_service(cluster="keep", service="svc", healthCheckGracePeriodSeconds=90)
    assert ecs.describe_services(cluster="keep", services=["svc"])["services"][0]["healthCheckGracePeriodSeconds"] == 90


def test_bare_family_is_the_latest_active_revision(emulator_endpoint):
    ecs = aws("ecs", emulator_endpoint)
    first, second, third = (register_fargate(ecs, "latest", f"app:{n}") for n in (1, 2, 3))
    ecs.deregister_task_definition(taskDefinition=third["taskDefinitionArn"])

    latest = ecs.describe_task_definition(taskDefinition="latest")["taskDefinition"]
    assert (latest["taskDefinitionArn"], latest["status"]) == (second["taskDefinitionArn"], "ACTIVE")
    # A revision named explicitly is found whatever its status.
    assert ecs.describe_task_definition(taskDefinition="latest:3")["taskDefinition"]["status"] == "INACTIVE"
    # Registration numbers after the highest revision, deregistered or not.
    assert register_fargate(ecs, "latest", "app:4")["revision"] == 4

    for arn in (first["taskDefinitionArn"], second["taskDefinitionArn"]):
        ecs.deregister_task_definition(taskDefinition=arn)
    ecs.deregister_task_definition(taskDefinition="latest:4")
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.describe_task_definition(taskDefinition="latest")


def test_update_service_reports_the_full_arn_of_the_revision(emulator_endpoint):
    ecs = aws("ecs", emulator_endpoint)
    first = register_fargate(ecs, "resolve", "app:1")
    second = register_fargate(ecs, "resolve", "app:2")
    fargate_service(emulator_endpoint, "resolve", "10.97.0.0/16", task_definition=first["taskDefinitionArn"])

    def running() -> tuple[str, str]:
        service = ecs.describe_services(cluster="resolve", services=["svc"])["services"][0]
        return service["taskDefinition"], service["deployments"][0]["taskDefinition"]

    for sent, expected in (
        ("resolve", second),  # bare family: the latest ACTIVE revision
        ("resolve:1", first),
        (second["taskDefinitionArn"], second),
    ):
        ecs.update_service(cluster="resolve", service="svc", taskDefinition=sent)
        assert running() == (expected["taskDefinitionArn"], expected["taskDefinitionArn"]), sent
