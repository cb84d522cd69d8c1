"""The parent publishes exactly the contract; the other workspaces read it by name."""

import pytest

from tests.configs import ENVIRONMENTS, LAYERS
from tests.synth import data_sources
from workspace.contracts import PARENT_CONTRACT
from workspace.layers import PARENT
from workspace.outputs import publish

PARENT_OUTPUTS = PARENT_CONTRACT.outputs


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_parent_emits_every_contract_output_with_a_description(synthesized, env):
    outputs = synthesized[f"parent-{env}"]["output"]
    assert set(outputs) == set(PARENT_OUTPUTS)
    for name, spec in PARENT_OUTPUTS.items():
        assert outputs[name]["description"] == spec.description


def test_publish_refuses_missing_and_unknown_outputs():
    with pytest.raises(
        ValueError, match=r"missing \['deployment_topic_arn'.*'ecr_repository_name'.*unknown \['surprise'\]"
    ):
        publish(None, PARENT_CONTRACT, {"surprise": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer != PARENT.name])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_other_workspaces_read_the_parent_state(synthesized, layer, env):
    stack = synthesized[f"{layer}-{env}"]
    (reader,) = data_sources(stack, "terraform_remote_state").values()
    assert reader["backend"] in ("local", "s3", "remote")
    # No cdktf-generated cross-stack outputs: everything goes through the named contract.
    assert not any(name.startswith("cross-stack-output") for name in synthesized[f"parent-{env}"]["output"])
