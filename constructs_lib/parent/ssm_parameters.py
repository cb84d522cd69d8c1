"""The spec's `SSMParameters` construct: the parameter catalogue written as SSM parameters;
and `StoredParameters`, how a reader in another workspace is granted some of them."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.shared.iam import Condition, ServiceRole, allow
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext

# Reading parameters by name (how ECS and CodeBuild resolve a parameter reference).
READ_ACTIONS: tuple[str, ...] = ("ssm:GetParameters",)
# Reading everything under a path as well (how the app loads its configuration).
READ_PATH_ACTIONS: tuple[str, ...] = ("ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters")


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


@dataclass(frozen=True)
class StoredParameters:
    """Parameters a reader knows by ARN (the parent writes them; the other workspaces read
    their ARNs and the key's from the parent's outputs), and the KMS keys that decrypt the
    SecureStrings among them. `grant_read(role, ...)` lets a role read exactly these
    (`actions` on `arns`) and decrypt with exactly those keys."""

    arns: tuple[str, ...]
    key_arns: tuple[str, ...] = ()
    actions: tuple[str, ...] = READ_ACTIONS
    # The region whose SSM alone may use the keys for the role (`kms:ViaService`), or None:
    # the role may decrypt with them directly.
    via_ssm_in: str | None = None

    def grant_read(self, role: ServiceRole, *, sid: str, decrypt_sid: str) -> None:
        """Adds the read statement `sid` (when there are parameters) and the decrypt
        statement `decrypt_sid` (when there are keys), in that order."""
        conditions: list[Condition] = (
            [("StringEquals", "kms:ViaService", [f"ssm.{self.via_ssm_in}.amazonaws.com"])] if self.via_ssm_in else []
        )
        if self.arns:
            role.add_statements(allow(sid, self.actions, list(self.arns)))
        if self.key_arns:
            role.add_statements(allow(decrypt_sid, ["kms:Decrypt"], list(self.key_arns), conditions))
