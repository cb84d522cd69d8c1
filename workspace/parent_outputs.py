"""The remote-state contract of the `parent` workspace.

`parent` publishes exactly these named outputs; `backend` and `frontend` read them through
`ParentOutputs`. Names are stable (no generated cross-stack names), so every workspace can
be planned on its own, in Terraform Cloud too.
"""

from __future__ import annotations

from cdktf import Fn, Token
from constructs import Construct

from config.schema import EnvironmentConfig
from workspace.contracts import Contract, OutputSpec
from workspace.naming import Namer
from workspace.catalogue import BY_NAME, SECRETS_BY_NAME
from workspace.state_backend import remote_state

PARENT_LAYER = "parent"


PARENT_OUTPUTS: dict[str, OutputSpec] = {
    "parameter_prefix": OutputSpec("SSM path every parameter of this environment lives under (/dailydesk/<env>)."),
    "parameter_arns": OutputSpec("Map: spec parameter name -> SSM parameter ARN, for all 55 (CDK and manual)."),
    "parameter_values": OutputSpec("Map: spec parameter name -> value, for every non-sensitive CDK parameter."),
    "parameters_kms_key_arn": OutputSpec("KMS key that encrypts the CDK-written SecureString parameters."),
    "secret_arn_patterns": OutputSpec("Map: Secrets Manager secret name -> ARN pattern (secret ARNs end in a random suffix)."),
    "ecr_repository_name": OutputSpec("Name of the backend's ECR repository (the backend creates it)."),
    "log_group_name": OutputSpec("CloudWatch log group of the API (logs/log-group)."),
    "log_stream_name": OutputSpec("CloudWatch log stream of the API (logs/log-stream)."),
    "deployment_topic_name": OutputSpec("Name of the deployment-notification SNS topic."),
    "deployment_topic_arn": OutputSpec("ARN of the deployment-notification SNS topic (sns/deployment-topic)."),
}


PARENT_CONTRACT = Contract(PARENT_LAYER, PARENT_OUTPUTS)


class ParentOutputs(Construct):
    """Reads the parent workspace's outputs from its state (a `terraform_remote_state`).

    Expects the environment config (the reader mirrors the parent's backend). Every read
    names a contract output or a catalogue entry; an unknown one fails at synth.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, namer: Namer) -> None:
        super().__init__(scope, id)
        self.state = remote_state(self, "state", config, namer, PARENT_LAYER)

    def string(self, output: str) -> str:
        if output not in PARENT_OUTPUTS:
            raise KeyError(f"{output!r} is not a parent output; the contract has {sorted(PARENT_OUTPUTS)}")
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
