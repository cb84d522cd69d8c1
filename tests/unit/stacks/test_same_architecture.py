"""The emulator runs the production architecture unchanged: for every layer, `local`
synthesizes exactly prod's resource types and data sources, with the same counts."""

import pytest

from tests.configs import LAYERS
from tests.synth import resource_counts


def data_counts(stack: dict) -> dict[str, int]:
    return {dtype: len(items) for dtype, items in stack.get("data", {}).items()}


@pytest.mark.parametrize("layer", LAYERS)
def test_local_has_prods_resource_types_and_counts(synthesized, layer):
    assert resource_counts(synthesized[f"{layer}-local"]) == resource_counts(synthesized[f"{layer}-prod"])
    assert data_counts(synthesized[f"{layer}-local"]) == data_counts(synthesized[f"{layer}-prod"])


@pytest.mark.parametrize("layer", LAYERS)
def test_local_keeps_the_same_terraform_addresses(synthesized, layer):
    """Construct IDs carry no environment, so every address exists in both."""

    def addresses(stack: dict) -> set[str]:
        return {f"{rtype}.{name}" for rtype, items in stack.get("resource", {}).items() for name in items}

    assert addresses(synthesized[f"{layer}-local"]) == addresses(synthesized[f"{layer}-prod"])
