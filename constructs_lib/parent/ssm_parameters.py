"""The spec's `SSMParameters` construct: the parameter catalogue written as SSM parameters."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext


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
    context: AwsContext
    parameters: tuple[ParameterSpec, ...]
    key_alias: str
    key_description: str


class SsmParameters(Construct):
    """Writes the given parameters and the KMS key of the secure ones.

    Creates: one `aws_ssm_parameter` per spec (String, or SecureString encrypted with the
    customer-managed `key` when `secure`), each protected from destroy with
    the context's `prevent_destroy`, and the key (an `EncryptionKey`: explicit key policy, alias
    `alias/<key_alias>`). SSM uses the key with the permissions of whoever reads or writes
    a parameter, so the key policy names no service: a reader needs kms:Decrypt on this
    key in its own policy. Exposes `key` and `parameters` (spec key -> resource).
    """

    def __init__(self, scope: Construct, id: str, *, props: SsmParametersProps) -> None:
        super().__init__(scope, id)
        self.key = EncryptionKey(
            self,
            "key",
            props=EncryptionKeyProps(
                context=props.context,
                alias=props.key_alias,
                description=props.key_description,
            ),
        )
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
                lifecycle=lifecycle(props.context.prevent_destroy),
            )
            for spec in props.parameters
        }
