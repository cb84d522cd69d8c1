"""The frontend's hosting (S3 buckets and CloudFront distributions): referenced, never created.

They are made and owned outside this project. Looking them up through data sources makes
a plan fail early, naming the missing bucket or distribution, instead of a pipeline run
failing later.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_cloudfront_distribution import DataAwsCloudfrontDistribution
from cdktf_cdktf_provider_aws.data_aws_s3_bucket import DataAwsS3Bucket
from constructs import Construct


@dataclass(frozen=True)
class HostedApp:
    """One React app: where its build goes and which distribution serves it."""

    name: str
    bucket_name: str
    distribution_id: str


@dataclass(frozen=True)
class ExternalHostingProps:
    apps: tuple[HostedApp, ...]


@dataclass(frozen=True)
class HostingTarget:
    name: str
    bucket: DataAwsS3Bucket
    distribution: DataAwsCloudfrontDistribution


class ExternalHosting(Construct):
    """Creates one `aws_s3_bucket` and one `aws_cloudfront_distribution` *data source* per
    app (`apps[name].bucket`, `.distribution`); no resources. Expects every bucket and
    distribution to exist in the account.
    """

    def __init__(self, scope: Construct, id: str, *, props: ExternalHostingProps) -> None:
        super().__init__(scope, id)
        names = [app.name for app in props.apps]
        if len(set(names)) != len(names):
            raise ValueError(f"app names must be unique: {names}")
        self.apps: dict[str, HostingTarget] = {
            app.name: HostingTarget(
                name=app.name,
                bucket=DataAwsS3Bucket(self, f"{app.name}-bucket", bucket=app.bucket_name),
                distribution=DataAwsCloudfrontDistribution(self, f"{app.name}-distribution", id=app.distribution_id),
            )
            for app in props.apps
        }

    @property
    def bucket_arns(self) -> list[str]:
        return [target.bucket.arn for target in self.apps.values()]

    @property
    def object_arns(self) -> list[str]:
        return [f"{target.bucket.arn}/*" for target in self.apps.values()]

    @property
    def distribution_arns(self) -> list[str]:
        return [target.distribution.arn for target in self.apps.values()]
