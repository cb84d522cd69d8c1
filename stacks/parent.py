"""`parent-<env>`: the shared configuration (the spec's SSMParameters) and the contract."""

from __future__ import annotations

from constructs import Construct

from config.schema import EnvironmentConfig
from workspace import catalogue
from constructs_lib.parent.ssm_parameters import SsmParameters, SsmParametersProps
from workspace.contracts import publish
from workspace.parent_outputs import PARENT_CONTRACT, PARENT_LAYER
from stacks.base import Workspace


class ParentStack(Workspace):
    layer = PARENT_LAYER

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        namer = self.namer
        self.parameters = SsmParameters(self, "parameters", props=SsmParametersProps(config=config, namer=namer))
        publish(
            self,
            PARENT_CONTRACT,
            {
                "parameter_prefix": config.parameter_prefix,
                "parameter_arns": self.parameters.arns,
                "parameter_values": self.parameters.values,
                "parameters_kms_key_arn": self.parameters.key.arn,
                "secret_arn_patterns": self.parameters.secret_arn_patterns,
                "ecr_repository_name": catalogue.ecr_repository_name(namer),
                "log_group_name": catalogue.log_group_name(namer),
                "log_stream_name": catalogue.log_stream_name(namer),
                "deployment_topic_name": catalogue.deployment_topic_name(namer),
                "deployment_topic_arn": catalogue.deployment_topic_arn(config, namer),
            },
        )
