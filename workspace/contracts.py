"""Named workspace outputs, written one way: a contract lists each output of a workspace
with its description, and `publish` emits exactly those, no more and no fewer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import TerraformOutput, TerraformStack


@dataclass(frozen=True)
class OutputSpec:
    description: str
    sensitive: bool = False


@dataclass(frozen=True)
class Contract:
    """The outputs of the workspace `layer`, by name, in the order they are emitted."""

    layer: str
    outputs: Mapping[str, OutputSpec]


def publish(stack: TerraformStack, contract: Contract, values: dict[str, object]) -> dict[str, TerraformOutput]:
    """Emit the contract's outputs; refuses a missing or an unknown key."""
    missing, unknown = set(contract.outputs) - set(values), set(values) - set(contract.outputs)
    if missing or unknown:
        raise ValueError(
            f"{contract.layer} outputs do not match the contract: missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return {
        name: TerraformOutput(stack, name, value=values[name], description=spec.description, sensitive=spec.sensitive)
        for name, spec in contract.outputs.items()
    }
