"""The emulator's server and patches, where no emulator runs: the tests that start one are
in tests/emulator/test_emulator_server.py (marked `emulator`)."""

import pytest

from tools.emulator import patches, server


def test_refuses_non_loopback_hosts():
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(server.EmulatorError, match="loopback"):
            server.start_background(host, 4609)
    assert server.require_loopback("127.0.0.1") == "127.0.0.1"


def test_every_patch_documents_its_actions():
    listed = patches.list_patches()
    assert len(listed) >= 14
    for item in listed:
        assert item.actions and item.summary, item.name
        for action in item.actions:
            assert action in item.doc, f"{item.name}: docstring does not name {action}"


def test_an_emulator_of_another_checkout_is_refused_not_reused(monkeypatch):
    current = [p.name for p in patches.list_patches()]
    older = {"moto": patches.PINNED_MOTO_VERSION, "patches": [n for n in current if n != "deployments_roll_out"]}
    monkeypatch.setattr(server, "health", lambda endpoint: older)
    with pytest.raises(server.EmulatorError, match="without the patches deployments_roll_out"):
        server.start_background("127.0.0.1", 4999)
    # The same patches in another order (another import order) is the same emulator: reused.
    monkeypatch.setattr(server, "health", lambda endpoint: {"patches": list(reversed(current))})
    assert server.start_background("127.0.0.1", 4999) is False
