"""The API's ECR repository: immutable, scanned, encrypted, pruned, protected."""

import json

import pytest

from config import load_environment
from tests.synth import only, parent_output
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_repository_is_immutable_scanned_and_encrypted(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    repository = only(stack, "aws_ecr_repository")
    assert repository["name"] == parent_output(stack, "ecr_repository_name")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS"}]
    assert repository["force_delete"] is False


@pytest.mark.parametrize(("env", "protected"), [("prod", True), ("dev", True), ("local", False)])
def test_repository_protection_follows_config(synthesized, env, protected):
    repository = only(synthesized[f"backend-{env}"], "aws_ecr_repository")
    assert repository["lifecycle"]["prevent_destroy"] is protected


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lifecycle_policy_keeps_the_newest_images(synthesized, env):
    policy = only(synthesized[f"backend-{env}"], "aws_ecr_lifecycle_policy")
    rules = sorted(json.loads(policy["policy"])["rules"], key=lambda rule: rule["rulePriority"])
    assert rules[0]["selection"]["tagStatus"] == "untagged"
    assert rules[0]["selection"]["countType"] == "sinceImagePushed"
    # The catch-all `any` rule must come last (highest priority number) in ECR.
    assert rules[-1]["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": load_environment(env).ecr.keep_images,
    }
    assert all(rule["action"] == {"type": "expire"} for rule in rules)
