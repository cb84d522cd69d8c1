"""A customer-managed KMS key with an explicit key policy, and its alias."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from constructs_lib.shared.iam import Condition, statement
from constructs_lib.shared.lifecycle import lifecycle

DEFAULT_DELETION_WINDOW_DAYS = 30

# What the account (and through it, IAM policies) may do with the key. Spelt out instead
# of `kms:*` so that a review sees every power the key grants.
ACCOUNT_KEY_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
    "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
    "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListResourceTags",
    "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
    "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
    "kms:UpdateAlias", "kms:UpdateKeyDescription",
)  # fmt: skip

# What an AWS service principal (e.g. EventBridge publishing to an encrypted topic) needs.
SERVICE_KEY_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class EncryptionKeyProps:
    alias: str
    description: str
    account_id: str
    partition: str
    prevent_destroy: bool
    # AWS service principals (e.g. "events.amazonaws.com") that encrypt with the key themselves.
    service_principals: tuple[str, ...] = ()
    # On whose behalf they may (e.g. `iam.source_conditions`); empty where the service sends
    # no source keys to KMS, as EventBridge does not.
    service_conditions: tuple[Condition, ...] = ()
    deletion_window_in_days: int = DEFAULT_DELETION_WINDOW_DAYS


class EncryptionKey(Construct):
    """A rotating KMS key (`key`) with alias `alias/<alias>` (`alias`).

    The key policy lets the account delegate use of the key to IAM policies (so a role can
    use it only when its own policy names the key) and lets the listed service principals
    encrypt and decrypt, under `service_conditions` when given.
    """

    def __init__(self, scope: Construct, id: str, *, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id)
        # In a key policy, the resource "*" means this key.
        statements = [
            statement(
                "AccountAdministersKey",
                ACCOUNT_KEY_ACTIONS,
                ["*"],
                principals=[("AWS", [f"arn:{props.partition}:iam::{props.account_id}:root"])],
            )
        ]
        if props.service_principals:
            statements.append(
                statement(
                    "ServicesEncrypt",
                    SERVICE_KEY_ACTIONS,
                    ["*"],
                    principals=[("Service", props.service_principals)],
                    conditions=props.service_conditions,
                )
            )
        self.policy = DataAwsIamPolicyDocument(self, "policy", statement=statements)
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=self.policy.json,
            lifecycle=lifecycle(props.prevent_destroy),
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn
