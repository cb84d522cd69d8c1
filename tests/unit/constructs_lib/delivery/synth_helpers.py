"""Helpers for the delivery-pipeline synth tests: policy documents by path, CodeBuild
variables (blocks, references and statements are in `tests.synth`)."""

from __future__ import annotations

from collections.abc import Iterator

from tests.configs import ENVIRONMENTS
from tests.synth import body, ref

PIPELINE_ENVIRONMENTS = ENVIRONMENTS


def pipeline(stack: dict) -> dict:
    """The stack's CodePipeline (construct `pipeline/pipeline` in backend and frontend)."""
    return body(stack, "aws_codepipeline", "pipeline/pipeline")


def encrypted_artifact_store(stack: dict, bucket: str) -> list[dict]:
    """The artifact store a pipeline on the ArtifactBucket construct `bucket` must have:
    that bucket, encrypted with that bucket's own KMS key."""
    return [
        {
            "location": ref(stack, "aws_s3_bucket", f"{bucket}/bucket", "bucket"),
            "type": "S3",
            "encryption_key": {"id": ref(stack, "aws_kms_key", f"{bucket}/key/key", "arn"), "type": "KMS"},
        }
    ]


def documents_under(stack: dict, path_part: str) -> Iterator[tuple[str, dict]]:
    """Every policy document whose construct path contains `path_part`."""
    for key, document in stack.get("data", {}).get("aws_iam_policy_document", {}).items():
        if path_part in document["//"]["metadata"]["path"]:
            yield key, document


def variables(project: dict) -> dict[str, tuple[str, str]]:
    """CodeBuild environment variables: name -> (type, value)."""
    return {v["name"]: (v["type"], v["value"]) for v in project["environment"]["environment_variable"]}
