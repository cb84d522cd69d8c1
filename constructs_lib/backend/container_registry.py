"""The ECR repository of the API image, and who may pull from it or push to it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from constructs_lib.shared.iam import ServiceRole, allow, in_region
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext

DEFAULT_KEEP_IMAGES = 30
# Layers of an interrupted push leave untagged images; they are never deployed.
DEFAULT_UNTAGGED_EXPIRY_DAYS = 7

# Pulling an image: its layers' presence and download URLs, then its manifest.
PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
# Pushing an image; DescribeImages lets a re-run skip a tag already pushed.
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)


@dataclass(frozen=True)
class ContainerRegistryProps:
    context: AwsContext
    name: str
    keep_images: int = DEFAULT_KEEP_IMAGES
    untagged_expiry_days: int = DEFAULT_UNTAGGED_EXPIRY_DAYS


def ecr_login(sid: str, region: str) -> DataAwsIamPolicyDocumentStatement:
    """Signing in to ECR. GetAuthorizationToken has no resource-level permission in IAM:
    granted on `*`, in `region` only."""
    return allow(sid, ["ecr:GetAuthorizationToken"], ["*"], [in_region(region)])


def image_pull(
    sid: str, repository_arn: str, actions: Sequence[str] = PULL_ACTIONS
) -> DataAwsIamPolicyDocumentStatement:
    """Pulling images from `repository_arn`: this registry's (`ContainerRegistry.grant_pull`)
    or one made elsewhere (a base image)."""
    return allow(sid, actions, [repository_arn])


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
    (`.arn`, `.repository_url`, `.name`); `grant_pull(role)` and `grant_push(role)` give a
    role its access.
    """

    def __init__(self, scope: Construct, id: str, *, props: ContainerRegistryProps) -> None:
        super().__init__(scope, id)
        self._region = props.context.region
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

    # The sids are those of the statements these verbs replaced: a renamed sid is a
    # changed policy in every plan.
    def grant_pull(self, role: ServiceRole) -> None:
        """Let `role` sign in to ECR and pull this repository's images (an ECS execution role)."""
        role.add_statements(ecr_login("EcrAuth", self._region), image_pull("EcrPull", self.repository.arn))

    def grant_push(self, role: ServiceRole) -> None:
        """Let `role` sign in to ECR and push images to this repository (the image build)."""
        role.add_statements(
            ecr_login("EcrLogin", self._region), allow("PushBackendImage", PUSH_ACTIONS, [self.repository.arn])
        )
