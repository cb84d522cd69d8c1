"""The pipelines' artifact buckets: KMS-encrypted, versioned, private, TLS-only, expiring."""

from __future__ import annotations

import json

import cdktf
import pytest

from config import load_environment
from constructs_lib.shared.artifact_bucket import ArtifactBucket, ArtifactBucketProps
from tests.synth import body, ref, statements
from tests.unit.constructs_lib.context import example_context
from tests.unit.constructs_lib.delivery.synth_helpers import PIPELINE_ENVIRONMENTS

# (workspace layer, construct path of the bucket construct)
BUCKETS = (("backend", "pipeline-artifacts"), ("frontend", "pipeline-artifacts"))
CASES = [(layer, path, env) for layer, path in BUCKETS for env in PIPELINE_ENVIRONMENTS]


@pytest.mark.parametrize("layer,path,env", CASES)
def test_bucket_is_encrypted_with_its_own_rotating_key(synthesized, layer, path, env):
    stack = synthesized[f"{layer}-{env}"]
    encryption = body(stack, "aws_s3_bucket_server_side_encryption_configuration", f"{path}/encryption")
    assert encryption["bucket"] == ref(stack, "aws_s3_bucket", f"{path}/bucket", "id")
    (rule,) = encryption["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": ref(stack, "aws_kms_key", f"{path}/key/key", "arn"),
    }
    assert rule["bucket_key_enabled"] is True
    key = body(stack, "aws_kms_key", f"{path}/key/key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30


@pytest.mark.parametrize("layer,path,env", CASES)
def test_bucket_is_versioned_and_blocks_all_public_access(synthesized, layer, path, env):
    stack = synthesized[f"{layer}-{env}"]
    bucket_id = ref(stack, "aws_s3_bucket", f"{path}/bucket", "id")
    versioning = body(stack, "aws_s3_bucket_versioning", f"{path}/versioning")
    assert versioning["bucket"] == bucket_id
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    block = body(stack, "aws_s3_bucket_public_access_block", f"{path}/public-access")
    assert block == {
        "//": block["//"],
        "bucket": bucket_id,
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }


@pytest.mark.parametrize("layer,path,env", CASES)
def test_old_artifacts_and_superseded_versions_expire(synthesized, layer, path, env):
    stack, config = synthesized[f"{layer}-{env}"], load_environment(env)
    expiry = body(stack, "aws_s3_bucket_lifecycle_configuration", f"{path}/expiry")
    (rule,) = expiry["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == [{"prefix": ""}]
    assert rule["expiration"] == [{"days": config.pipelines.artifact_retention_days}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 7}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 1}]


@pytest.mark.parametrize("layer,path,env", CASES)
def test_bucket_policy_refuses_plain_http(synthesized, layer, path, env):
    stack = synthesized[f"{layer}-{env}"]
    policy = body(stack, "aws_s3_bucket_policy", f"{path}/policy")
    assert policy["policy"] == ref(stack, "aws_iam_policy_document", f"{path}/policy-document", "json", data=True)
    deny = statements(stack, f"{path}/policy-document")["DenyInsecureTransport"]
    arn = ref(stack, "aws_s3_bucket", f"{path}/bucket", "arn")
    assert deny["effect"] == "Deny"
    assert deny["resources"] == [arn, f"{arn}/*"]
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]


@pytest.mark.parametrize("layer,path,env", CASES)
def test_bucket_name_and_protection_follow_the_environment(synthesized, layer, path, env):
    stack, config = synthesized[f"{layer}-{env}"], load_environment(env)
    bucket = body(stack, "aws_s3_bucket", f"{path}/bucket")
    part = {"backend": "ecs-pipeline", "frontend": "frontend-ci-pipeline"}[layer]
    assert bucket["bucket"] == f"dailydesk-{env}-{part}-artifacts-{config.account_id}"
    assert len(bucket["bucket"]) <= 63
    protect = config.protection.prevent_destroy
    assert bucket["lifecycle"]["prevent_destroy"] is protect
    assert body(stack, "aws_kms_key", f"{path}/key/key")["lifecycle"]["prevent_destroy"] is protect
    # Only a disposable environment may empty the bucket on destroy.
    assert bucket["force_destroy"] is (not protect)


def test_a_name_longer_than_s3_allows_is_refused(tmp_path):
    stack = cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test")
    with pytest.raises(ValueError, match="longer than 63"):
        ArtifactBucket(
            stack,
            "artifacts",
            props=ArtifactBucketProps(
                context=example_context(prevent_destroy=True),
                bucket_name="x" * 64,
                key_alias="alias",
                retention_days=30,
            ),
        )


def test_the_construct_alone_synthesizes_its_eight_resources(tmp_path):
    stack = cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test")
    ArtifactBucket(
        stack,
        "artifacts",
        props=ArtifactBucketProps(
            context=example_context(prevent_destroy=False),
            bucket_name="example-artifacts",
            key_alias="example-artifacts",
            retention_days=10,
        ),
    )
    synth = json.loads(cdktf.Testing.synth(stack))
    assert {t: len(v) for t, v in synth["resource"].items()} == {
        "aws_kms_key": 1,
        "aws_kms_alias": 1,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_versioning": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_lifecycle_configuration": 1,
        "aws_s3_bucket_policy": 1,
    }


@pytest.mark.parametrize("layer", ["backend", "frontend"])
def test_extracting_the_private_bucket_kept_every_artifact_bucket_address(synthesized, layer):
    """The artifact bucket is a PrivateBucket subclass, so its resources are still its own
    children: the same Terraform addresses as before the extraction, nothing to move."""
    stack = synthesized[f"{layer}-prod"]
    found = {
        f"{rtype}.{name}"
        for rtype, items in stack["resource"].items()
        for name, item in items.items()
        if "/pipeline-artifacts/" in item["//"]["metadata"]["path"]
    }
    # The addresses on main before the extraction (tests/snapshots at that commit).
    assert found == {
        "aws_kms_alias.pipeline-artifacts_key_alias_EFA5D44F",
        "aws_kms_key.pipeline-artifacts_key_B61FE238",
        "aws_s3_bucket.pipeline-artifacts_bucket_9B140D45",
        "aws_s3_bucket_lifecycle_configuration.pipeline-artifacts_expiry_259250FC",
        "aws_s3_bucket_policy.pipeline-artifacts_policy_8D540FD6",
        "aws_s3_bucket_public_access_block.pipeline-artifacts_public-access_19B35590",
        "aws_s3_bucket_server_side_encryption_configuration.pipeline-artifacts_encryption_EDD99162",
        "aws_s3_bucket_versioning.pipeline-artifacts_versioning_4E23009E",
    }
