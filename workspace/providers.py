"""The AWS provider of every workspace: region, standard tags, and — for the `local`
environment only — the emulator endpoints. This is the only module that knows them."""

from __future__ import annotations

from typing import Any

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags, AwsProviderEndpoints
from constructs import Construct

from config.schema import Emulator, EnvironmentConfig

# Every AWS API our resources and data sources call. The emulator serves them all on one
# port; a service missing here would silently go to real AWS, which the credentials
# below make fail instead.
EMULATED_SERVICES = (
    "acm", "appautoscaling", "cloudfront", "cloudwatch", "codebuild", "codeconnections", "codepipeline",
    "codestarconnections", "ec2", "ecr", "ecs", "elasticache", "elbv2", "events", "iam", "kms", "logs",
    "resourcegroupstaggingapi", "s3", "secretsmanager", "sns", "sqs", "ssm", "sts",
)  # fmt: skip


def emulator_credentials() -> dict[str, Any]:
    """The emulator's throwaway keys, as the provider (and an S3 backend) takes them:
    never valid against AWS, so nothing aimed at the emulator can reach an account."""
    return {
        "access_key": Emulator.ACCESS_KEY_ID,
        "secret_key": Emulator.SECRET_ACCESS_KEY,
        "skip_credentials_validation": True,
    }


def emulator_settings(endpoint: str) -> dict[str, Any]:
    """The provider arguments that point it at the emulator at `endpoint`, named and valued
    as in the synthesized JSON (`endpoints`: the one block's map of service -> URL)."""
    return {
        **emulator_credentials(),
        "endpoints": dict.fromkeys(EMULATED_SERVICES, endpoint),
        "skip_metadata_api_check": "true",
        # Valid against AWS as well; without it, rules that reference another security
        # group read back as `account/sg-…` and never converge.
        "skip_requesting_account_id": False,
        "s3_use_path_style": True,
    }


def aws_provider(scope: Construct, *, config: EnvironmentConfig, tags: dict[str, str]) -> AwsProvider:
    settings: dict[str, Any] = {
        "region": config.region,
        "allowed_account_ids": [config.account_id],
        "default_tags": [AwsProviderDefaultTags(tags=tags)],
    }
    if config.emulator is not None:
        emulated = emulator_settings(config.emulator.endpoint)
        settings.update(emulated, endpoints=[AwsProviderEndpoints(**emulated["endpoints"])])
    return AwsProvider(scope, "aws", **settings)
