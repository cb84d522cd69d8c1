"""The ECR repository of the API image."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext

DEFAULT_KEEP_IMAGES = 30
# Layers of an interrupted push leave untagged images; they are never deployed.
DEFAULT_UNTAGGED_EXPIRY_DAYS = 7


@dataclass(frozen=True)
class ContainerRegistryProps:
    context: AwsContext
    name: str
    keep_images: int = DEFAULT_KEEP_IMAGES
    untagged_expiry_days: int = DEFAULT_UNTAGGED_EXPIRY_DAYS


def lifecycle_rules(keep_images: int, untagged_expiry_days: int) -> dict[str, Any]:
    """ECR lifecycle policy: untagged images expire first, then all but the newest `keep_images`."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Expire untagged images after {untagged_expiry_days} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_expiry_days,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the newest {keep_images} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
                "action": {"type": "expire"},
            },
        ]
    }


class ContainerRegistry(Construct):
    """Creates the ECR repository (immutable tags, scan on push, KMS encryption with the
    AWS-managed ECR key, protected from destroy) and its lifecycle policy.

    Expects the repository name (from the parent's contract). Exposes `repository`
    (`.arn`, `.repository_url`, `.name`).
    """

    def __init__(self, scope: Construct, id: str, *, props: ContainerRegistryProps) -> None:
        super().__init__(scope, id)
        self.repository = EcrRepository(
            self,
            "repository",
            name=props.name,
            # A tag names exactly one image: a deployed revision can never change under the service.
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS")],
            force_delete=False,
            lifecycle=lifecycle(props.context.prevent_destroy),
        )
        # The ECR lifecycle policy is its own JSON document type (not IAM): no data source renders it.
        self.lifecycle_policy = EcrLifecyclePolicy(
            self,
            "lifecycle-policy",
            repository=self.repository.name,
            policy=json.dumps(lifecycle_rules(props.keep_images, props.untagged_expiry_days), sort_keys=True),
        )
