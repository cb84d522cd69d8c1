"""A customer-managed KMS key with an explicit key policy, and its alias."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from constructs_lib.shared.iam import Condition, statement
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext

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
# What CloudWatch Logs needs to encrypt a log group (AWS's documented `Encrypt*`,
# `Decrypt*`, `ReEncrypt*`, `GenerateDataKey*`, `Describe*`, spelt out for a symmetric key).
LOGS_KEY_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom", "kms:ReEncryptTo",
)  # fmt: skip


@dataclass(frozen=True)
class ServiceUse:
    """A key-policy statement `sid` that lets the AWS service principal `service` use the key
    itself (not on a caller's behalf), with `actions`, and only under `conditions`: an
    unconditioned service statement would let the service use the key for anyone's
    resources, so a condition is required."""

    sid: str
    service: str
    conditions: tuple[Condition, ...]
    actions: tuple[str, ...] = SERVICE_KEY_ACTIONS

    def __post_init__(self) -> None:
        if not self.conditions:
            raise ValueError(f"{self.sid}: {self.service} may use the key only under a condition")


def cloudwatch_logs_use(context: AwsContext) -> ServiceUse:
    """CloudWatch Logs of the context's region encrypting this account's log groups, and
    only them: the encryption context Logs sends is the log group's ARN (AWS, "Encrypt log
    data in CloudWatch Logs using AWS KMS")."""
    return ServiceUse(
        "LogsEncryptOwnLogGroups",
        f"logs.{context.region}.amazonaws.com",
        conditions=(("ArnLike", "kms:EncryptionContext:aws:logs:arn", [context.arn("logs", "log-group:*")]),),
        actions=LOGS_KEY_ACTIONS,
    )


@dataclass(frozen=True)
class EncryptionKeyProps:
    context: AwsContext
    alias: str
    description: str
    # AWS services that use the key themselves (e.g. EventBridge publishing to an encrypted topic).
    services: tuple[ServiceUse, ...] = ()
    deletion_window_in_days: int = DEFAULT_DELETION_WINDOW_DAYS


class EncryptionKey(Construct):
    """A rotating KMS key (`key`) with alias `alias/<alias>` (`alias`) and an explicit key
    policy (`policy`).

    The key policy lets the account delegate use of the key to IAM policies (so a role can
    use it only when its own policy names the key; AWS services that encrypt on a caller's
    behalf, such as SSM or ElastiCache, act with that caller's permissions) and lets each
    of `services` use it under that statement's conditions.
    """

    def __init__(self, scope: Construct, id: str, *, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id)
        # In a key policy, the resource "*" means this key.
        statements = [
            statement(
                "AccountAdministersKey",
                ACCOUNT_KEY_ACTIONS,
                ["*"],
                principals=[("AWS", [props.context.account_root])],
            )
        ]
        statements.extend(
            statement(use.sid, use.actions, ["*"], principals=[("Service", [use.service])], conditions=use.conditions)
            for use in props.services
        )
        self.policy = DataAwsIamPolicyDocument(self, "policy", statement=statements)
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_in_days,
            policy=self.policy.json,
            lifecycle=lifecycle(props.context.prevent_destroy),
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn
