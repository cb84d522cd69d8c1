import pytest

from tests.emulator import aws, network

pytestmark = pytest.mark.emulator


def test_service_keeps_grace_period_rebalancing_and_circuit_breaker(emulator_endpoint):
    ecs = aws("ecs", emulator_endpoint)
    _, subnets, group = network(emulator_endpoint, "10.93.0.0/16")
    ecs.create_cluster(clusterName="keep")
    ecs.register_task_definition(
        family="keep",
        containerDefinitions=[{"name": "app", "image": "nginx"}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster="keep",
        serviceName="svc",
        taskDefinition="keep",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}},
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
