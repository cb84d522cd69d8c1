"""The spec's `SSMParameters` construct: the parameter catalogue written as SSM parameters."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.shared.lifecycle import lifecycle


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter to write: `id` is its construct id, `key` what callers look it up by."""

    key: str
    id: str
    name: str
    description: str
    value: str
    secure: bool


@dataclass(frozen=True)
class SsmParametersProps:
    parameters: tuple[ParameterSpec, ...]
    key_alias: str
    key_description: str
    prevent_destroy: bool


class SsmParameters(Construct):
    """Writes the given parameters and the KMS key of the secure ones.

    Creates: one `aws_ssm_parameter` per spec (String, or SecureString encrypted with the
    customer-managed `key` when `secure`), each protected from destroy with
    `prevent_destroy`, and the key with its alias `alias/<key_alias>`. Exposes `key` and
    `parameters` (spec key -> resource).
    """

    def __init__(self, scope: Construct, id: str, *, props: SsmParametersProps) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            description=props.key_description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            lifecycle=lifecycle(props.prevent_destroy),
        )
        KmsAlias(self, "key-alias", name=f"alias/{props.key_alias}", target_key_id=self.key.key_id)
        self.parameters: dict[str, SsmParameter] = {
            spec.key: SsmParameter(
                self,
                spec.id,
                name=spec.name,
                description=spec.description,
                type="SecureString" if spec.secure else "String",
                value=spec.value,
                key_id=self.key.arn if spec.secure else None,
                tier="Standard",
                lifecycle=lifecycle(props.prevent_destroy),
            )
            for spec in props.parameters
        }
