import pytest

from tests.emulator import aws, network
from tools.emulator import patches, server

pytestmark = pytest.mark.emulator


def test_reuses_a_running_emulator(emulator_endpoint):
    port = int(emulator_endpoint.rsplit(":", 1)[1])
    assert server.is_running(emulator_endpoint)
    assert server.start_background("127.0.0.1", port) is False


def test_health_lists_every_patch_and_the_pinned_moto(emulator_endpoint):
    document = server.health(emulator_endpoint)
    assert document["moto"] == patches.PINNED_MOTO_VERSION
    assert document["patches"] == [p.name for p in patches.list_patches()]


def test_reset_forgets_resources(emulator_endpoint):
    sqs = aws("sqs", emulator_endpoint)
    sqs.create_queue(QueueName="reset-me")
    server.reset(emulator_endpoint)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="reset-me")


def as_attempt(client, invocation: str, attempt: int) -> None:
    """Send the client's next calls as attempt `attempt` of the SDK call `invocation`."""

    def headers(request, **_):
        request.headers["amz-sdk-invocation-id"] = invocation
        request.headers["amz-sdk-request"] = f"attempt={attempt}; max=3"

    client.meta.events.register_first("before-send.*.*", headers, unique_id="retry-under-test")


def test_a_retried_call_takes_effect_once_and_gets_the_first_answer(emulator_endpoint):
    # A create whose answer was lost: the SDK sends it again with the same invocation id.
    _, _, group = network(emulator_endpoint, "10.91.0.0/16")
    rule = {
        "GroupId": group,
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    }
    ec2 = aws("ec2", emulator_endpoint)
    as_attempt(ec2, "11111111-2222-4333-8444-555555555555", 1)
    first = ec2.authorize_security_group_ingress(**rule)
    retry = aws("ec2", emulator_endpoint)
    as_attempt(retry, "11111111-2222-4333-8444-555555555555", 2)
    again = retry.authorize_security_group_ingress(**rule)
    assert again["SecurityGroupRules"] == first["SecurityGroupRules"]
    assert (
        len(ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"])
        == 2
    )  # the rule once, beside the default egress rule

    # A new call (another invocation) is executed, and AWS refuses the duplicate.
    other = aws("ec2", emulator_endpoint)
    as_attempt(other, "66666666-7777-4888-8999-000000000000", 1)
    with pytest.raises(other.exceptions.ClientError, match=r"InvalidPermission\.Duplicate"):
        other.authorize_security_group_ingress(**rule)
    # A retry of a call that failed is executed again (the client got that error).
    failed_retry = aws("ec2", emulator_endpoint)
    as_attempt(failed_retry, "66666666-7777-4888-8999-000000000000", 2)
    with pytest.raises(failed_retry.exceptions.ClientError, match=r"InvalidPermission\.Duplicate"):
        failed_retry.authorize_security_group_ingress(**rule)
