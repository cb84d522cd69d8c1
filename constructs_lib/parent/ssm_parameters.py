"""The spec's `SSMParameters` construct: the parameter catalogue written into `parent`."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from config.schema import EnvironmentConfig
from workspace.naming import Namer
from workspace.catalogue import CATALOGUE, SECRETS, cdk_parameters, parameter_arn
from workspace.protection import lifecycle


@dataclass(frozen=True)
class SsmParametersProps:
    config: EnvironmentConfig
    namer: Namer


class SsmParameters(Construct):
    """Writes the 46 `CDK` parameters and references the 9 `Manual` ones.

    Creates: one `aws_ssm_parameter` per CDK entry (String, or SecureString encrypted with
    the customer-managed `key` for sensitive entries), each protected from destroy (`protection.prevent_destroy`), and the
    KMS key itself. Exposes `parameters` (spec name -> resource), `arns` (spec name -> ARN,
    all 55) and `values` (spec name -> value of every non-sensitive CDK entry).
    """

    def __init__(self, scope: Construct, id: str, *, props: SsmParametersProps) -> None:
        super().__init__(scope, id)
        config, namer = props.config, props.namer
        self.key = KmsKey(
            self,
            "key",
            description=f"Encrypts the SecureString parameters under {config.parameter_prefix}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            lifecycle=lifecycle(config.protection.prevent_destroy),
        )
        KmsAlias(self, "key-alias", name=f"alias/{namer.name('parameters')}", target_key_id=self.key.key_id)
        self.parameters: dict[str, SsmParameter] = {}
        for entry in cdk_parameters():
            assert entry.value is not None
            self.parameters[entry.name] = SsmParameter(
                self,
                entry.slug,
                name=namer.parameter(entry.name),
                description=entry.description,
                type=entry.type,
                value=entry.value(config, namer),
                key_id=self.key.arn if entry.sensitive else None,
                tier="Standard",
                lifecycle=lifecycle(config.protection.prevent_destroy),
            )
        self.arns: dict[str, str] = {p.name: parameter_arn(config, namer, p.name) for p in CATALOGUE}
        self.values: dict[str, str] = {
            p.name: p.value(config, namer) for p in cdk_parameters() if not p.sensitive and p.value is not None
        }
        self.secret_arn_patterns: dict[str, str] = {s.name: s.arn_pattern(config) for s in SECRETS}
