"""ELBv2: access logs are switched on only for a bucket the load balancer may write to."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from tools.emulator.patches import patch

# The Elastic Load Balancing account of each Region that delivers access logs as an AWS
# account ("Regions available before August 2022" in the ALB guide, "Enable access logs");
# the provider's `aws_elb_service_account` has the same table. Regions not listed deliver
# as the service principal below.
ELB_ACCOUNTS = {"us-east-1": "127311923021"}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_admits_elb(policy: str, *, region: str, partition: str, bucket: str, prefix: str, account_id: str) -> bool:
    """Whether a bucket policy lets the Region's ELB log delivery put objects under
    `<prefix>/AWSLogs/<account_id>/` (an Allow statement for s3:PutObject, that principal,
    and a resource covering that key), as AWS checks before it turns access logs on."""
    key = f"arn:{partition}:s3:::{bucket}/{prefix + '/' if prefix else ''}AWSLogs/{account_id}/elasticloadbalancing"
    account = ELB_ACCOUNTS.get(region)
    principals = {f"arn:{partition}:iam::{account}:root", account} if account else {ELB_LOG_DELIVERY_SERVICE}
    for statement in _listed(json.loads(policy).get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        actions = [a.lower() for a in _listed(statement.get("Action", []))]
        if not any(fnmatch.fnmatchcase("s3:putobject", action) for action in actions):
            continue
        principal = statement.get("Principal", {})
        given = (
            {"*"}
            if principal == "*"
            else set(_listed(principal.get("AWS", []))) | set(_listed(principal.get("Service", [])))
        )
        if not (given & principals or "*" in given):
            continue
        if any(fnmatch.fnmatchcase(key, resource) for resource in _listed(statement.get("Resource", []))):
            return True
    return False


@patch("elbv2", "ModifyLoadBalancerAttributes")
def access_logs_need_a_writable_bucket() -> None:
    """ModifyLoadBalancerAttributes with `access_logs.s3.enabled = true` fails with
    InvalidConfigurationRequest unless the bucket exists and its policy lets the Region's
    Elastic Load Balancing account put objects under `<prefix>/AWSLogs/<account>/`, as
    AWS checks (it writes a test object) before it turns access logs on.

    moto stored the attributes without looking at the bucket, so a wrong or missing
    bucket policy (or one written after the load balancer) deployed cleanly in the
    emulator and failed only on AWS.
    """
    from moto.elbv2.exceptions import InvalidConfigurationRequest
    from moto.elbv2.models import ELBv2Backend
    from moto.s3.models import s3_backends

    original = ELBv2Backend.modify_load_balancer_attributes

    def modify_load_balancer_attributes(self: ELBv2Backend, arn: str, attrs: dict[str, Any]) -> dict[str, Any]:
        balancer = self.load_balancers.get(arn)
        merged = {**(balancer.attrs if balancer else {}), **attrs}
        if balancer is not None and str(merged.get("access_logs.s3.enabled")).lower() == "true":
            name = merged.get("access_logs.s3.bucket", "")
            bucket = s3_backends[self.account_id][self.partition].buckets.get(name)
            if bucket is None:
                raise InvalidConfigurationRequest(f"The specified bucket does not exist: {name}")
            if not bucket.policy or not policy_admits_elb(
                bucket.policy.decode(),
                region=self.region_name,
                partition=self.partition,
                bucket=name,
                prefix=merged.get("access_logs.s3.prefix", ""),
                account_id=self.account_id,
            ):
                raise InvalidConfigurationRequest(f"Access Denied for bucket: {name}. Please check S3bucket permission")
        return original(self, arn, attrs)

    setattr(ELBv2Backend, "modify_load_balancer_attributes", modify_load_balancer_attributes)
