"""A pipeline's artifact store: a private bucket with its own KMS key that forgets old artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.shared.iam import ServiceRole, allow
from constructs_lib.shared.private_bucket import DEFAULT_NONCURRENT_VERSION_DAYS, PrivateBucket, PrivateBucketProps
from workspace.context import AwsContext

OBJECT_READ_WRITE_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")
BUCKET_LOCATION_ACTIONS = ("s3:GetBucketAcl", "s3:GetBucketLocation")
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class ArtifactBucketProps:
    context: AwsContext
    bucket_name: str
    key_alias: str
    retention_days: int
    # Only a disposable environment empties the bucket on destroy (config, not env name).
    force_destroy: bool = False
    noncurrent_version_days: int = DEFAULT_NONCURRENT_VERSION_DAYS


class ArtifactBucket(PrivateBucket):
    """A `PrivateBucket` encrypted with its own KMS key (`key`), expiring artifacts after
    `retention_days`.

    Expects an S3-valid, globally unique `bucket_name`. Grant access with
    `grant_read_write(role)` (a build) or `grant_artifact_store(role)` (a pipeline).
    """

    key: EncryptionKey

    def __init__(self, scope: Construct, id: str, *, props: ArtifactBucketProps) -> None:
        super().__init__(
            scope,
            id,
            props=PrivateBucketProps(
                context=props.context,
                bucket_name=props.bucket_name,
                retention_days=props.retention_days,
                expiry_rule_id="expire-old-artifacts",
                encryption_key=EncryptionKeyProps(
                    context=props.context,
                    alias=props.key_alias,
                    description=f"Encrypts the pipeline artifacts in {props.bucket_name}",
                ),
                force_destroy=props.force_destroy,
                noncurrent_version_days=props.noncurrent_version_days,
            ),
        )

    def grant_read_write(self, role: ServiceRole) -> None:
        """Let `role` read and write artifacts (a CodeBuild project's input and output)."""
        role.add_statements(
            allow("ArtifactObjects", OBJECT_READ_WRITE_ACTIONS, [self.object_arns]),
            allow("ArtifactBucket", BUCKET_LOCATION_ACTIONS, [self.arn]),
            allow("ArtifactKey", KEY_ACTIONS, [self.key.arn]),
        )

    def grant_artifact_store(self, role: ServiceRole) -> None:
        """Let `role` use the bucket as a pipeline's artifact store: read and write artifacts,
        and check the bucket is versioned, as CodePipeline does before each run."""
        role.add_statements(
            allow("ArtifactObjects", (*OBJECT_READ_WRITE_ACTIONS, "s3:PutObjectAcl"), [self.object_arns]),
            allow("ArtifactBucket", (*BUCKET_LOCATION_ACTIONS, "s3:GetBucketVersioning"), [self.arn]),
            allow("ArtifactKey", KEY_ACTIONS, [self.key.arn]),
        )
