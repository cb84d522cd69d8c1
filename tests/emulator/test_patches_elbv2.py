"""ELBv2 access logs: switched on only for a bucket whose policy lets the ELB account write."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from tests.emulator import aws, network

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"
ELB_ACCOUNT = "arn:aws:iam::127311923021:root"  # us-east-1's Elastic Load Balancing account


@pytest.fixture(scope="module")
def balancer(emulator_endpoint) -> str:
    _, subnets, group = network(emulator_endpoint, "10.97.0.0/16")
    return aws("elbv2", emulator_endpoint).create_load_balancer(
        Name="logs-test", Subnets=subnets, SecurityGroups=[group]
    )["LoadBalancers"][0]["LoadBalancerArn"]


def enable_logs(endpoint: str, arn: str, bucket: str, prefix: str = "api") -> dict:
    return aws("elbv2", endpoint).modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": bucket},
            {"Key": "access_logs.s3.prefix", "Value": prefix},
        ],
    )


def bucket_with_policy(endpoint: str, name: str, principal: str, resource: str) -> None:
    s3 = aws("s3", endpoint)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:PutObject", "Resource": resource}
                ],
            }
        ),
    )


def refused(call) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "InvalidConfigurationRequest"
    return caught.value.response["Error"]["Message"]


def test_a_missing_bucket_is_refused(emulator_endpoint, balancer):
    assert "does not exist" in refused(lambda: enable_logs(emulator_endpoint, balancer, "no-such-bucket"))


def test_a_bucket_without_a_policy_is_refused(emulator_endpoint, balancer):
    aws("s3", emulator_endpoint).create_bucket(Bucket="logs-no-policy")
    assert "Access Denied" in refused(lambda: enable_logs(emulator_endpoint, balancer, "logs-no-policy"))


@pytest.mark.parametrize(
    ("name", "principal", "resource"),
    [
        # Another account than us-east-1's ELB account.
        ("logs-other-account", "arn:aws:iam::156460612806:root", f"logs-other-account/api/AWSLogs/{ACCOUNT}/*"),
        # Another prefix than the load balancer's.
        ("logs-other-prefix", ELB_ACCOUNT, f"logs-other-prefix/other/AWSLogs/{ACCOUNT}/*"),
        # Another account's log folder.
        ("logs-other-folder", ELB_ACCOUNT, "logs-other-folder/api/AWSLogs/999999999999/*"),
    ],
)
def test_a_policy_that_does_not_admit_the_elb_account_under_the_prefix_is_refused(
    emulator_endpoint, balancer, name, principal, resource
):
    bucket_with_policy(emulator_endpoint, name, principal, f"arn:aws:s3:::{resource}")
    refused(lambda: enable_logs(emulator_endpoint, balancer, name))


def test_the_elb_account_under_the_prefix_turns_logs_on(emulator_endpoint, balancer):
    bucket_with_policy(emulator_endpoint, "logs-ok", ELB_ACCOUNT, f"arn:aws:s3:::logs-ok/api/AWSLogs/{ACCOUNT}/*")
    enable_logs(emulator_endpoint, balancer, "logs-ok")
    attributes = {
        a["Key"]: a["Value"]
        for a in aws("elbv2", emulator_endpoint).describe_load_balancer_attributes(LoadBalancerArn=balancer)[
            "Attributes"
        ]
    }
    assert (attributes["access_logs.s3.bucket"], attributes["access_logs.s3.prefix"]) == ("logs-ok", "api")
    assert attributes["access_logs.s3.enabled"] == "true"


def test_switching_logs_off_needs_no_bucket(emulator_endpoint, balancer):
    aws("elbv2", emulator_endpoint).modify_load_balancer_attributes(
        LoadBalancerArn=balancer,
        Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "false"},
            {"Key": "access_logs.s3.bucket", "Value": ""},
        ],
    )
