"""The app builds the 12 workspace stacks."""

from config.schema import ENVIRONMENT_NAMES


def test_twelve_stacks_one_per_layer_and_environment(synthesized):
    expected = {f"{layer}-{env}" for layer in ("parent", "backend", "frontend") for env in ENVIRONMENT_NAMES}
    assert set(synthesized.stacks) == expected


def test_the_environments_variable_selects_what_the_app_builds(monkeypatch):
    from config.loader import ENVIRONMENTS_VARIABLE
    from stacks.app import selected_environments

    assert ENVIRONMENTS_VARIABLE == "DAILYDESK_ENVIRONMENTS"
    monkeypatch.setenv(ENVIRONMENTS_VARIABLE, " prod, local ,")
    assert selected_environments() == ["prod", "local"]
    monkeypatch.setenv(ENVIRONMENTS_VARIABLE, "")
    assert selected_environments() is None
