"""The app builds the 12 workspace stacks."""

from tests.configs import STACKS


def test_twelve_stacks_one_per_layer_and_environment(synthesized):
    assert len(STACKS) == 12
    assert set(synthesized.stacks) == set(STACKS)


def test_the_environments_variable_selects_what_the_app_builds(monkeypatch):
    from config.loader import ENVIRONMENTS_VARIABLE
    from stacks.app import selected_environments

    assert ENVIRONMENTS_VARIABLE == "DAILYDESK_ENVIRONMENTS"
    monkeypatch.setenv(ENVIRONMENTS_VARIABLE, " prod, local ,")
    assert selected_environments() == ["prod", "local"]
    monkeypatch.setenv(ENVIRONMENTS_VARIABLE, "")
    assert selected_environments() is None
