import time

import pytest

from tests.emulator import aws, fargate_service, register_fargate
from tools.emulator import faults
from tools.emulator.patches.ecs import ROLLOUT_SECONDS

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


# Deployments roll out: IN_PROGRESS, then COMPLETED after ROLLOUT_SECONDS; a revision the fault
# switch names fails, and the circuit breaker puts the previous revision back.
CIRCUIT_BREAKER = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}


def deployments(ecs, cluster: str) -> list[tuple[str, str, str]]:
    """(status, revision, rolloutState) of each deployment, as DescribeServices lists them."""
    service = ecs.describe_services(cluster=cluster, services=["svc"])["services"][0]
    return [(d["status"], d["taskDefinition"].rsplit("/", 1)[1], d["rolloutState"]) for d in service["deployments"]]


def after_the_rollout() -> None:
    time.sleep(ROLLOUT_SECONDS + 0.5)


def test_a_deployment_is_in_progress_then_completed(emulator_endpoint):
    ecs = fargate_service(emulator_endpoint, "rolls", "10.94.0.0/16", deploymentConfiguration=CIRCUIT_BREAKER)
    assert deployments(ecs, "rolls") == [("PRIMARY", "rolls:1", "IN_PROGRESS")]
    after_the_rollout()
    (deployment,) = ecs.describe_services(cluster="rolls", services=["svc"])["services"][0]["deployments"]
    assert deployment["rolloutState"] == "COMPLETED"
    assert deployment["rolloutStateReason"] == f"ECS deployment {deployment['id']} completed."

    second = register_fargate(ecs, "rolls", "app:2")
    ecs.update_service(cluster="rolls", service="svc", taskDefinition=second["taskDefinitionArn"])
    # The new deployment rolls out beside the previous one, which is drained when it completes.
    assert deployments(ecs, "rolls") == [("PRIMARY", "rolls:2", "IN_PROGRESS"), ("ACTIVE", "rolls:1", "COMPLETED")]
    after_the_rollout()
    assert deployments(ecs, "rolls") == [("PRIMARY", "rolls:2", "COMPLETED")]
    # An update that changes no task definition starts no deployment.
    ecs.update_service(cluster="rolls", service="svc", healthCheckGracePeriodSeconds=30)
    assert deployments(ecs, "rolls") == [("PRIMARY", "rolls:2", "COMPLETED")]


def test_a_failed_rollout_is_rolled_back_by_the_circuit_breaker(emulator_endpoint):
    ecs = fargate_service(emulator_endpoint, "breaks", "10.95.0.0/16", deploymentConfiguration=CIRCUIT_BREAKER)
    after_the_rollout()
    second = register_fargate(ecs, "breaks", "app:broken")
    faults.set_faults(emulator_endpoint, {"action": "UpdateService", "rollout_fails": "breaks:2"})
    try:
        ecs.update_service(cluster="breaks", service="svc", taskDefinition=second["taskDefinitionArn"])
        assert deployments(ecs, "breaks")[0] == ("PRIMARY", "breaks:2", "IN_PROGRESS")
        after_the_rollout()
    finally:
        faults.clear_faults(emulator_endpoint)

    service = ecs.describe_services(cluster="breaks", services=["svc"])["services"][0]
    # The service runs the previous revision again, in a new deployment; the failed one says why.
    assert service["taskDefinition"].endswith("/breaks:1")
    assert deployments(ecs, "breaks") == [("PRIMARY", "breaks:1", "IN_PROGRESS"), ("ACTIVE", "breaks:2", "FAILED")]
    failed = service["deployments"][1]
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert failed["failedTasks"] > 0
    messages = [event["message"] for event in service["events"]]
    assert messages[0] == f"(service svc) rolling back to deployment {service['deployments'][0]['id']}."
    assert messages[1].startswith(f"(service svc) (deployment {failed['id']}) failed: ECS deployment circuit breaker")
    after_the_rollout()
    assert deployments(ecs, "breaks") == [("PRIMARY", "breaks:1", "COMPLETED"), ("ACTIVE", "breaks:2", "FAILED")]
    # Only that revision fails, once: the next deployment of it rolls out.
    ecs.update_service(cluster="breaks", service="svc", taskDefinition=second["taskDefinitionArn"])
    after_the_rollout()
    assert deployments(ecs, "breaks") == [("PRIMARY", "breaks:2", "COMPLETED")]
