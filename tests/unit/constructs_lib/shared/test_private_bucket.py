"""PrivateBucket, the parts every bucket of ours shares; here without a key (SSE-S3)."""

from __future__ import annotations

import json

import cdktf
import pytest

import workspace  # noqa: F401  (provider import shortcut first)
from constructs_lib.shared.iam import statement
from constructs_lib.shared.private_bucket import PrivateBucket, PrivateBucketProps
from tests.unit.constructs_lib.context import example_context


def bucket(stack: cdktf.TerraformStack, **overrides) -> PrivateBucket:
    props = {
        "context": example_context(prevent_destroy=False),
        "bucket_name": "example-logs",
        "retention_days": 14,
        "expiry_rule_id": "expire",
    }
    return PrivateBucket(stack, "logs", props=PrivateBucketProps(**(props | overrides)))


def test_without_a_key_the_bucket_uses_s3_managed_keys_and_creates_no_key(tmp_path):
    stack = cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test")
    created = bucket(stack, force_destroy=True)
    assert created.key is None
    synth = json.loads(cdktf.Testing.synth(stack))
    assert "aws_kms_key" not in synth["resource"]
    (encryption,) = synth["resource"]["aws_s3_bucket_server_side_encryption_configuration"].values()
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
    (s3,) = synth["resource"]["aws_s3_bucket"].values()
    assert (s3["force_destroy"], s3["lifecycle"]) == (True, {"prevent_destroy": False})
    (expiry,) = synth["resource"]["aws_s3_bucket_lifecycle_configuration"].values()
    assert expiry["rule"][0]["id"] == "expire"
    assert expiry["rule"][0]["expiration"] == [{"days": 14}]


def test_added_statements_follow_the_tls_only_one_and_sids_stay_unique(tmp_path):
    stack = cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test")
    created = bucket(stack)
    writer = statement("Writer", ["s3:PutObject"], [created.object_arns], principals=[("AWS", ["arn:aws:iam::1:root"])])
    created.add_policy_statements(writer)
    with pytest.raises(ValueError, match="already in the bucket policy"):
        created.add_policy_statements(writer)
    synth = json.loads(cdktf.Testing.synth(stack))
    (document,) = synth["data"]["aws_iam_policy_document"].values()
    assert [s["sid"] for s in document["statement"]] == ["DenyInsecureTransport", "Writer"]


def test_a_name_longer_than_s3_allows_is_refused(tmp_path):
    with pytest.raises(ValueError, match="longer than 63"):
        bucket(cdktf.TerraformStack(cdktf.Testing.app(outdir=str(tmp_path)), "test"), bucket_name="x" * 64)
