"""The app builds the 12 workspace stacks."""

from config.schema import ENVIRONMENT_NAMES


def test_twelve_stacks_one_per_layer_and_environment(synthesized):
    expected = {f"{layer}-{env}" for layer in ("parent", "backend", "frontend") for env in ENVIRONMENT_NAMES}
    assert set(synthesized.stacks) == expected
