"""A pipeline's artifact store: a private, KMS-encrypted, versioned S3 bucket that forgets old artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.shared.iam import ServiceRole, allow, statement
from constructs_lib.shared.lifecycle import lifecycle

MAX_BUCKET_NAME = 63
# A superseded artifact is only useful for a quick re-run; a week is plenty.
DEFAULT_NONCURRENT_VERSION_DAYS = 7
DEFAULT_ABORT_MULTIPART_DAYS = 1

OBJECT_READ_WRITE_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")
BUCKET_LOCATION_ACTIONS = ("s3:GetBucketAcl", "s3:GetBucketLocation")
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class ArtifactBucketProps:
    bucket_name: str
    key_alias: str
    account_id: str
    partition: str
    retention_days: int
    prevent_destroy: bool
    # Only a disposable environment empties the bucket on destroy (config, not env name).
    force_destroy: bool = False
    noncurrent_version_days: int = DEFAULT_NONCURRENT_VERSION_DAYS


class ArtifactBucket(Construct):
    """Creates the bucket (`bucket`), its KMS key (`key`), versioning, SSE-KMS with a bucket
    key, a full public access block, a TLS-only bucket policy and a lifecycle that expires
    artifacts after `retention_days` and superseded versions after `noncurrent_version_days`.

    Expects an S3-valid, globally unique `bucket_name`. Grant access with
    `grant_read_write(role)` (a build) or `grant_artifact_store(role)` (a pipeline).
    """

    def __init__(self, scope: Construct, id: str, *, props: ArtifactBucketProps) -> None:
        super().__init__(scope, id)
        if len(props.bucket_name) > MAX_BUCKET_NAME:
            raise ValueError(f"bucket name {props.bucket_name!r} is longer than {MAX_BUCKET_NAME} characters")
        self.key = EncryptionKey(
            self,
            "key",
            props=EncryptionKeyProps(
                alias=props.key_alias,
                description=f"Encrypts the pipeline artifacts in {props.bucket_name}",
                account_id=props.account_id,
                partition=props.partition,
                prevent_destroy=props.prevent_destroy,
            ),
        )
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            lifecycle=lifecycle(props.prevent_destroy),
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                    ),
                    # Fewer KMS calls (and cost) per artifact read/write.
                    bucket_key_enabled=True,
                )
            ],
        )
        self.expiry = S3BucketLifecycleConfiguration(
            self,
            "expiry",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-artifacts",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=props.retention_days)],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=DEFAULT_ABORT_MULTIPART_DAYS
                        )
                    ],
                )
            ],
            # Lifecycle rules on an unversioned bucket would not see noncurrent versions.
            depends_on=[self.versioning],
        )
        self.tls_only = DataAwsIamPolicyDocument(
            self,
            "tls-only",
            statement=[
                statement(
                    "DenyInsecureTransport",
                    ["s3:*"],
                    [self.bucket.arn, f"{self.bucket.arn}/*"],
                    effect="Deny",
                    principals=[("*", ["*"])],
                    conditions=[("Bool", "aws:SecureTransport", ["false"])],
                )
            ],
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=self.tls_only.json,
            # A policy written before the block is in place could be judged public.
            depends_on=[self.public_access_block],
        )

    @property
    def arn(self) -> str:
        return self.bucket.arn

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def object_arns(self) -> str:
        return f"{self.bucket.arn}/*"

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
