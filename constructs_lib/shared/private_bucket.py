"""A private S3 bucket: public access blocked, versioned, encrypted, TLS-only, objects expiring."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
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
from constructs_lib.shared.iam import StatementList, statement
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext

MAX_BUCKET_NAME = 63
# A superseded object is only useful for a quick recovery; a week is plenty.
DEFAULT_NONCURRENT_VERSION_DAYS = 7
DEFAULT_ABORT_MULTIPART_DAYS = 1


@dataclass(frozen=True)
class PrivateBucketProps:
    context: AwsContext
    bucket_name: str
    retention_days: int
    # The id of the lifecycle rule that expires objects after `retention_days`.
    expiry_rule_id: str
    # Its own KMS key (SSE-KMS with a bucket key); None: S3-managed keys (SSE-S3, AES256),
    # for the writers that support nothing else (ELB access logs).
    encryption_key: EncryptionKeyProps | None = None
    # Only a disposable environment empties the bucket on destroy (config, not env name).
    force_destroy: bool = False
    noncurrent_version_days: int = DEFAULT_NONCURRENT_VERSION_DAYS


class PrivateBucket(Construct):
    """Creates the bucket (`bucket`, protected from destroy), a full public access block,
    versioning, default encryption (its own rotating KMS key `key` with a bucket key, or
    SSE-S3 when `encryption_key` is None, `key` then None), a lifecycle that expires
    objects after `retention_days`, superseded versions after `noncurrent_version_days` and
    failed uploads after a day, and a bucket policy (`policy_document`) that refuses plain
    HTTP. `add_policy_statements` adds the writers a subclass or its owner admits.

    Expects an S3-valid, globally unique `bucket_name`.
    """

    def __init__(self, scope: Construct, id: str, *, props: PrivateBucketProps) -> None:
        super().__init__(scope, id)
        if len(props.bucket_name) > MAX_BUCKET_NAME:
            raise ValueError(f"bucket name {props.bucket_name!r} is longer than {MAX_BUCKET_NAME} characters")
        self._props = props
        self.key = EncryptionKey(self, "key", props=props.encryption_key) if props.encryption_key else None
        self._define_bucket()
        self._define_encryption()
        self._define_expiry()
        self._define_policy()

    def _define_bucket(self) -> None:
        """The bucket, closed to the public and versioned."""
        p = self._props
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=p.bucket_name,
            force_destroy=p.force_destroy,
            lifecycle=lifecycle(p.context.prevent_destroy),
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

    def _define_encryption(self) -> None:
        """Default encryption: SSE-KMS with the bucket's own key, or SSE-S3 without one."""
        by_default = (
            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
            )
            if self.key
            else S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="AES256"
            )
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default,
                    # Fewer KMS calls (and cost) per object read/write; nothing to save with SSE-S3.
                    bucket_key_enabled=True if self.key else None,
                )
            ],
        )

    def _define_expiry(self) -> None:
        """Objects expire after `retention_days`, superseded versions and failed uploads sooner."""
        p = self._props
        self.expiry = S3BucketLifecycleConfiguration(
            self,
            "expiry",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id=p.expiry_rule_id,
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=p.retention_days)],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=p.noncurrent_version_days
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

    def _define_policy(self) -> None:
        """The bucket policy: TLS only, then whatever `add_policy_statements` admits."""
        self._policy_statements = StatementList(
            self,
            "policy-document",
            [
                statement(
                    "DenyInsecureTransport",
                    ["s3:*"],
                    [self.bucket.arn, f"{self.bucket.arn}/*"],
                    effect="Deny",
                    principals=[("*", ["*"])],
                    conditions=[("Bool", "aws:SecureTransport", ["false"])],
                )
            ],
            owner=self.node.path,
            policy="the bucket policy",
        )
        self.policy_document = self._policy_statements.document
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=self.policy_document.json,
            # A policy written before the block is in place could be judged public.
            depends_on=[self.public_access_block],
        )

    def add_policy_statements(self, *statements: DataAwsIamPolicyDocumentStatement) -> None:
        """Admit a writer in the bucket policy (after the TLS-only statement)."""
        self._policy_statements.add(*statements)

    @property
    def arn(self) -> str:
        return self.bucket.arn

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def object_arns(self) -> str:
        return f"{self.bucket.arn}/*"
