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


def aws_provider(scope: Construct, *, config: EnvironmentConfig, tags: dict[str, str]) -> AwsProvider:
    settings: dict[str, Any] = {
        "region": config.region,
        "allowed_account_ids": [config.account_id],
        "default_tags": [AwsProviderDefaultTags(tags=tags)],
    }
    if config.emulator is not None:
        endpoint = config.emulator.endpoint
        settings.update(
            access_key=Emulator.ACCESS_KEY_ID,
            secret_key=Emulator.SECRET_ACCESS_KEY,
            endpoints=[AwsProviderEndpoints(**dict.fromkeys(EMULATED_SERVICES, endpoint))],
            skip_credentials_validation=True,
            skip_metadata_api_check="true",
            # Valid against AWS as well; without it, rules that reference another security
            # group read back as `account/sg-…` and never converge.
            skip_requesting_account_id=False,
            s3_use_path_style=True,
        )
    return AwsProvider(scope, "aws", **settings)
