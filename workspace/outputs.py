"""Writing and reading the contracts of `workspace.contracts` in a stack.

`publish` emits exactly a contract's outputs; `ParentOutputs` reads the parent's outputs
from its state with a `terraform_remote_state` built from the same backend settings the
parent writes with, so a workspace always reads where the parent wrote.
"""

from __future__ import annotations

from cdktf import Fn, TerraformOutput, TerraformStack, Token
from constructs import Construct

from config.schema import EnvironmentConfig
from workspace.catalogue import BY_NAME, SECRETS_BY_NAME
from workspace.contracts import PARENT_CONTRACT, Contract
from workspace.naming import Namer
from workspace.state_backend import remote_state


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


class ParentOutputs(Construct):
    """Reads the parent workspace's outputs from its state (a `terraform_remote_state`).

    Every read names a contract output or a catalogue entry; an unknown one fails at synth.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, namer: Namer) -> None:
        super().__init__(scope, id)
        self.state = remote_state(self, "state", config, namer, PARENT_CONTRACT.layer)

    def string(self, output: str) -> str:
        if output not in PARENT_CONTRACT.outputs:
            raise KeyError(f"{output!r} is not a parent output; the contract has {sorted(PARENT_CONTRACT.outputs)}")
        return self.state.get_string(output)

    def parameter_arn(self, spec_name: str) -> str:
        if spec_name not in BY_NAME:
            raise KeyError(f"{spec_name!r} is not in the parameter catalogue")
        return Token.as_string(Fn.lookup(self.state.get("parameter_arns"), spec_name))

    def parameter_value(self, spec_name: str) -> str:
        entry = BY_NAME.get(spec_name)
        if entry is None or entry.sensitive or entry.value is None:
            raise KeyError(f"{spec_name!r} is not a non-sensitive CDK parameter of the catalogue")
        return Token.as_string(Fn.lookup(self.state.get("parameter_values"), spec_name))

    def secret_arn_pattern(self, secret_name: str) -> str:
        if secret_name not in SECRETS_BY_NAME:
            raise KeyError(f"{secret_name!r} is not one of the spec's secrets")
        return Token.as_string(Fn.lookup(self.state.get("secret_arn_patterns"), secret_name))
