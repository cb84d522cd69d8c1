import pytest

from tools.emulator import patches, server


def test_an_emulator_of_another_checkout_is_refused_not_reused(monkeypatch):
    current = [p.name for p in patches.list_patches()]
    older = {"moto": patches.PINNED_MOTO_VERSION, "patches": [n for n in current if n != "deployments_roll_out"]}
    monkeypatch.setattr(server, "health", lambda endpoint: older)
    with pytest.raises(server.EmulatorError, match="without the patches deployments_roll_out"):
        server.start_background("127.0.0.1", 4999)
    # The same patches in another order (another import order) is the same emulator: reused.
    monkeypatch.setattr(server, "health", lambda endpoint: {"patches": list(reversed(current))})
    assert server.start_background("127.0.0.1", 4999) is False
