"""`parent-<env>`: the shared configuration (the spec's SSMParameters) and the contract."""

from __future__ import annotations

from constructs import Construct

from config.schema import EnvironmentConfig
from constructs_lib.parent.ssm_parameters import ParameterSpec, SsmParameters, SsmParametersProps
from stacks.base import WorkspaceStack, moved
from workspace import catalogue, layers
from workspace.contracts import PARENT_CONTRACT
from workspace.outputs import publish


class ParentStack(WorkspaceStack):
    """Writes the 46 `CDK` parameters of the catalogue (the 9 `Manual` ones are only
    referenced by ARN) and publishes the contract the other workspaces read."""

    layer = layers.PARENT

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        namer = self.namer
        self.parameters = SsmParameters(
            self,
            "parameters",
            props=SsmParametersProps(
                context=self.context,
                parameters=tuple(
                    ParameterSpec(
                        key=entry.name,
                        id=entry.slug,
                        name=namer.parameter(entry.name),
                        description=entry.description,
                        value=catalogue.value_of(entry, config, namer),
                        secure=entry.sensitive,
                    )
                    for entry in catalogue.cdk_parameters()
                ),
                key_alias=catalogue.parameters_key_alias(namer),
                key_description=f"Encrypts the SecureString parameters under {config.parameter_prefix}",
            ),
        )
        # The key and its alias were plain resources of `parameters` before the key had an
        # explicit policy: moved, not replaced (a replaced key would re-encrypt every
        # SecureString and schedule the key that encrypted them for deletion).
        moved(self.parameters.key.key, ("parameters", "key"))
        moved(self.parameters.key.alias, ("parameters", "key-alias"))
        publish(
            self,
            PARENT_CONTRACT,
            {
                "parameter_prefix": config.parameter_prefix,
                "parameter_arns": {p.name: catalogue.parameter_arn(config, namer, p.name) for p in catalogue.CATALOGUE},
                "parameter_values": catalogue.plain_values(config, namer),
                "parameters_kms_key_arn": self.parameters.key.arn,
                "secret_arn_patterns": {s.name: s.arn_pattern(config) for s in catalogue.SECRETS},
                "ecr_repository_name": catalogue.ecr_repository_name(namer),
                "log_group_name": catalogue.log_group_name(namer),
                "log_stream_name": catalogue.log_stream_name(namer),
                "deployment_topic_name": catalogue.deployment_topic_name(namer),
                "deployment_topic_arn": catalogue.deployment_topic_arn(config, namer),
            },
        )
