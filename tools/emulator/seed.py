"""Seed the emulator with the world the spec says is not ours: the resources every
environment references but never creates (manual SSM parameters, Secrets Manager
secrets, the VPC and its subnets, the RDS security group, the certificate with the configured
names, the hosting buckets and their CloudFront distributions, the permissions boundary of the
stacks' roles, as `make iam-policy ROLE=boundary` renders it).

Idempotent: what exists is left as it is. Talks to the emulator only (endpoint_url,
throwaway credentials); the exact IDs from the environment file come from the
`_custom_id_` tag (patches/custom_ids.py), which the emulator consumes.
"""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from config.schema import EnvironmentConfig
from tools import iam_policies
from tools.aws import Clients
from tools.emulator.patches.custom_ids import CUSTOM_ID_TAG
from workspace.catalogue import SECRETS, manual_parameters

DEFAULT_VPC_CIDR = "10.0.0.0/16"
DEFAULT_AZ_SUFFIXES = ("a", "b", "c")
DEFAULT_CERTIFICATE_DAYS = 365
# AWS has no codestar-connections/codeconnections API in moto 5.2.5: the connection ARN
# is only a string inside the pipelines' source actions, which moto does not resolve.
CONNECTION_NOTE = "not emulated: moto 5.2.5 implements neither codestar-connections nor codeconnections"


def _client(service: str, config: EnvironmentConfig, endpoint: str) -> Any:
    """A client acting in `config`'s account inside the emulator at `endpoint` (tools/aws.py)."""
    return Clients(config, endpoint=endpoint, act_in_account=True)(service)


def _custom_id(value: str) -> dict[str, str]:
    return {"Key": CUSTOM_ID_TAG, "Value": value}


def _throwaway() -> str:
    return secrets.token_urlsafe(24)


def seed(config: EnvironmentConfig, endpoint: str) -> dict[str, Any]:
    """Create what is missing and return a summary of what exists."""
    return {
        "parameters": _parameters(config, endpoint),
        "secrets": _secrets(config, endpoint),
        "network": _network(config, endpoint),
        "certificate": _certificate(config, endpoint),
        "buckets": _buckets(config, endpoint),
        "distributions": _distributions(config, endpoint),
        "connection": {"arn": config.pipelines.connection_arn, "status": CONNECTION_NOTE},
        "permissions_boundary": _permissions_boundary(config, endpoint),
    }


def _parameters(config: EnvironmentConfig, endpoint: str) -> list[str]:
    ssm = _client("ssm", config, endpoint)
    namer = config.namer
    names = []
    for parameter in manual_parameters():
        name = namer.parameter(parameter.name)
        try:
            ssm.get_parameter(Name=name)
        except ssm.exceptions.ParameterNotFound:
            ssm.put_parameter(Name=name, Type="SecureString", Value=_throwaway(), Description=parameter.description)
        names.append(name)
    return names


def _secrets(config: EnvironmentConfig, endpoint: str) -> list[str]:
    manager = _client("secretsmanager", config, endpoint)
    arns = []
    for secret in SECRETS:
        try:
            arns.append(manager.describe_secret(SecretId=secret.name)["ARN"])
        except manager.exceptions.ResourceNotFoundException:
            created = manager.create_secret(
                Name=secret.name, Description=secret.description, SecretString=json.dumps({secret.key: _throwaway()})
            )
            arns.append(created["ARN"])
    return arns


def _permissions_boundary(config: EnvironmentConfig, endpoint: str) -> str:
    iam = _client("iam", config, endpoint)
    arn = config.permissions_boundary_arn
    if not _exists(iam.get_policy, PolicyArn=arn):
        document = json.dumps(iam_policies.render_boundary(config))
        iam.create_policy(PolicyName=config.permissions_boundary_name, PolicyDocument=document)
    return arn


def _exists(call: Callable[..., object], **kwargs: object) -> bool:
    try:
        call(**kwargs)
        return True
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if "NotFound" in code or code.startswith("NoSuch"):
            return False
        raise


def _network(config: EnvironmentConfig, endpoint: str) -> dict[str, str | list[str]]:
    ec2 = _client("ec2", config, endpoint)
    network = config.network
    if not _exists(ec2.describe_vpcs, VpcIds=[network.vpc_id]):
        ec2.create_vpc(
            CidrBlock=DEFAULT_VPC_CIDR,
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [_custom_id(network.vpc_id), {"Key": "Name", "Value": f"{config.project}-{config.name}"}],
                }
            ],
        )
    subnets = [(sid, "public") for sid in network.public_subnet_ids] + [
        (sid, "private") for sid in network.private_subnet_ids
    ]
    for index, (subnet_id, kind) in enumerate(subnets):
        if _exists(ec2.describe_subnets, SubnetIds=[subnet_id]):
            continue
        ec2.create_subnet(
            VpcId=network.vpc_id,
            CidrBlock=f"10.0.{index}.0/24",
            AvailabilityZone=config.region + DEFAULT_AZ_SUFFIXES[index % len(DEFAULT_AZ_SUFFIXES)],
            TagSpecifications=[
                {
                    "ResourceType": "subnet",
                    "Tags": [
                        _custom_id(subnet_id),
                        {"Key": "Name", "Value": f"{config.project}-{config.name}-{kind}-{index}"},
                    ],
                }
            ],
        )
    group_id = config.rds.security_group_id
    if not _exists(ec2.describe_security_groups, GroupIds=[group_id]):
        ec2.create_security_group(
            GroupName=f"{config.project}-{config.name}-rds",
            Description="The external PostgreSQL instance",
            VpcId=network.vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [_custom_id(group_id)]}],
        )
    return {"vpc_id": network.vpc_id, "subnet_ids": [s for s, _ in subnets], "rds_security_group_id": group_id}


def self_signed(names: tuple[str, ...]) -> tuple[bytes, bytes]:
    """A certificate for `names`: the first is the subject, all of them the alternative
    names (ACM reads DomainName and SubjectAlternativeNames from these)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=DEFAULT_CERTIFICATE_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


def _certificate(config: EnvironmentConfig, endpoint: str) -> dict[str, str]:
    acm = _client("acm", config, endpoint)
    arn = config.certificate.arn
    if not _exists(acm.describe_certificate, CertificateArn=arn):
        # Imported, so it is ISSUED at once (a requested one waits for validation).
        certificate, key = self_signed(config.certificate.names)
        acm.import_certificate(Certificate=certificate, PrivateKey=key, Tags=[_custom_id(arn)])
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    return {
        "arn": arn,
        "names": list(dict.fromkeys([described["DomainName"], *described.get("SubjectAlternativeNames", [])])),
        "status": described["Status"],
    }


def _buckets(config: EnvironmentConfig, endpoint: str) -> list[str]:
    s3 = _client("s3", config, endpoint)
    names = list(config.hosting.buckets().values())
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    for name in names:
        if name not in existing:
            if config.region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": config.region})
    return names


def _distributions(config: EnvironmentConfig, endpoint: str) -> dict[str, str]:
    cloudfront = _client("cloudfront", config, endpoint)
    wanted = {app.distribution_id: app.bucket for app in config.hosting.apps.values()}
    for distribution_id, bucket in wanted.items():
        if _exists(cloudfront.get_distribution, Id=distribution_id):
            continue
        origin = f"{bucket}.s3.{config.region}.amazonaws.com"
        cloudfront.create_distribution_with_tags(
            DistributionConfigWithTags={
                "DistributionConfig": {
                    "CallerReference": f"{config.project}-{config.name}-{distribution_id}",
                    "Comment": bucket,
                    "Enabled": True,
                    "Origins": {
                        "Quantity": 1,
                        "Items": [{"Id": bucket, "DomainName": origin, "S3OriginConfig": {"OriginAccessIdentity": ""}}],
                    },
                    "DefaultCacheBehavior": {
                        "TargetOriginId": bucket,
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                    },
                },
                "Tags": {"Items": [_custom_id(distribution_id)]},
            }
        )
    return dict(wanted)
