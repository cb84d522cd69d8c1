import pytest

from tests.emulator import aws, fargate_service

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def scalable_target(emulator_endpoint):
    fargate_service(emulator_endpoint, "aas", "10.91.0.0/16")
    client = aws("application-autoscaling", emulator_endpoint)
    arn = client.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId="service/aas/svc",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1,
        MaxCapacity=2,
        Tags={"Project": "dailydesk"},
    )["ScalableTargetARN"]
    return client, arn


def test_register_keeps_tags_and_list_tags_answers(scalable_target):
    client, arn = scalable_target
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "dailydesk"}


def test_tag_and_untag_resource(scalable_target):
    client, arn = scalable_target
    client.tag_resource(ResourceARN=arn, Tags={"Owner": "platform"})
    client.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert client.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Owner": "platform"}


def test_unknown_arn_is_not_found(emulator_endpoint):
    client = aws("application-autoscaling", emulator_endpoint)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(
            ResourceARN="arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/nope"
        )
