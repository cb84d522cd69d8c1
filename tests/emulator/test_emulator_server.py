import pytest

from tests.emulator import aws
from tools.emulator import patches, server

pytestmark = pytest.mark.emulator


def test_refuses_non_loopback_hosts():
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(server.EmulatorError, match="loopback"):
            server.start_background(host, 4609)
    assert server.require_loopback("127.0.0.1") == "127.0.0.1"


def test_reuses_a_running_emulator(emulator_endpoint):
    port = int(emulator_endpoint.rsplit(":", 1)[1])
    assert server.is_running(emulator_endpoint)
    assert server.start_background("127.0.0.1", port) is False


def test_health_lists_every_patch_and_the_pinned_moto(emulator_endpoint):
    document = server.health(emulator_endpoint)
    assert document["moto"] == patches.PINNED_MOTO_VERSION
    assert document["patches"] == [p.name for p in patches.list_patches()]


def test_every_patch_documents_its_actions():
    listed = patches.list_patches()
    assert len(listed) >= 14
    for item in listed:
        assert item.actions and item.summary, item.name
        for action in item.actions:
            assert action in item.doc, f"{item.name}: docstring does not name {action}"


def test_reset_forgets_resources(emulator_endpoint):
    sqs = aws("sqs", emulator_endpoint)
    sqs.create_queue(QueueName="reset-me")
    server.reset(emulator_endpoint)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="reset-me")
