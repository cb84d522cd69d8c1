import pytest

from config.loader import load_environment
from tests.emulator import aws
from tools import iam_policies
from tools.emulator.seed import seed
from workspace.catalogue import SECRETS, manual_parameters

pytestmark = pytest.mark.emulator


def held(endpoint: str) -> dict[str, object]:
    """What the emulator holds of the kinds the seed creates, read back with boto3 (values,
    versions and ids included: a second seed that overwrote or added anything differs)."""
    ssm, manager, ec2 = aws("ssm", endpoint), aws("secretsmanager", endpoint), aws("ec2", endpoint)
    parameters = [p for page in ssm.get_paginator("describe_parameters").paginate() for p in page["Parameters"]]
    names = [p["Name"] for p in parameters]
    values = {
        p["Name"]: p["Value"]
        for i in range(0, len(names), 10)
        for p in ssm.get_parameters(Names=names[i : i + 10], WithDecryption=True)["Parameters"]
    }
    secrets = manager.list_secrets()["SecretList"]
    policies = aws("iam", endpoint).list_policies(Scope="Local")["Policies"]
    return {
        "parameters": sorted((p["Name"], p["Type"], p["Version"], values[p["Name"]]) for p in parameters),
        "secrets": sorted(
            (
                s["ARN"],
                manager.get_secret_value(SecretId=s["ARN"])["VersionId"],
                len(s.get("SecretVersionsToStages", {})),
            )
            for s in secrets
        ),
        "policies": sorted((p["Arn"], p["DefaultVersionId"]) for p in policies),
        "vpcs": sorted((v["VpcId"], v["CidrBlock"]) for v in ec2.describe_vpcs()["Vpcs"]),
        "subnets": sorted((s["SubnetId"], s["CidrBlock"]) for s in ec2.describe_subnets()["Subnets"]),
        "security groups": sorted(
            (g["GroupId"], g["GroupName"]) for g in ec2.describe_security_groups()["SecurityGroups"]
        ),
        "certificates": sorted(
            c["CertificateArn"] for c in aws("acm", endpoint).list_certificates()["CertificateSummaryList"]
        ),
        "buckets": sorted(b["Name"] for b in aws("s3", endpoint).list_buckets()["Buckets"]),
        "distributions": sorted(
            d["Id"] for d in aws("cloudfront", endpoint).list_distributions()["DistributionList"].get("Items", [])
        ),
    }


@pytest.fixture(scope="module")
def seeded(emulator_endpoint):
    config = load_environment("local")
    first = seed(config, emulator_endpoint)
    after_first = held(emulator_endpoint)
    second = seed(config, emulator_endpoint)
    return config, first, second, after_first, held(emulator_endpoint)


def test_seed_is_idempotent(seeded):
    config, first, second, after_first, after_second = seeded
    assert first == second
    # What the emulator holds, not the summary built from the config: the second seed
    # changed, replaced and added nothing.
    assert after_second == after_first
    # ...and the first one did create the world (a comparison of two empty reads proves nothing).
    namer = config.namer
    assert {namer.parameter(p.name) for p in manual_parameters()} <= {p[0] for p in after_first["parameters"]}
    assert len(after_first["secrets"]) == len(SECRETS) and len(after_first["distributions"]) == len(config.hosting.apps)
    assert config.network.vpc_id in {vpc for vpc, _ in after_first["vpcs"]}
    assert config.certificate.arn in after_first["certificates"]
    assert (config.permissions_boundary_arn, "v1") in after_first["policies"]


def test_manual_parameters_and_secrets(seeded, emulator_endpoint):
    config, *_ = seeded
    ssm = aws("ssm", emulator_endpoint)
    namer = config.namer
    names = [namer.parameter(p.name) for p in manual_parameters()]
    assert len(names) == 9
    found = ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]
    assert sorted(p["Name"] for p in found) == sorted(names)
    assert {p["Type"] for p in found} == {"SecureString"}
    manager = aws("secretsmanager", emulator_endpoint)
    for secret in SECRETS:
        import json

        assert list(json.loads(manager.get_secret_value(SecretId=secret.name)["SecretString"])) == [secret.key]


def test_network_with_exact_ids(seeded, emulator_endpoint):
    config, *_ = seeded
    ec2 = aws("ec2", emulator_endpoint)
    network = config.network
    assert ec2.describe_vpcs(VpcIds=[network.vpc_id])["Vpcs"][0]["VpcId"] == network.vpc_id
    wanted = [*network.public_subnet_ids, *network.private_subnet_ids]
    subnets = ec2.describe_subnets(SubnetIds=wanted)["Subnets"]
    assert sorted(s["SubnetId"] for s in subnets) == sorted(wanted)
    assert {s["VpcId"] for s in subnets} == {network.vpc_id}
    assert len({s["CidrBlock"] for s in subnets}) == len(wanted)
    assert len({s["AvailabilityZone"] for s in subnets}) >= 2
    group = ec2.describe_security_groups(GroupIds=[config.rds.security_group_id])["SecurityGroups"][0]
    assert group["VpcId"] == network.vpc_id


def test_certificate_buckets_and_distributions(seeded, emulator_endpoint):
    config, *_ = seeded
    certificate = aws("acm", emulator_endpoint).describe_certificate(CertificateArn=config.certificate.arn)[
        "Certificate"
    ]
    assert certificate["Status"] == "ISSUED"
    assert certificate["DomainName"] == config.certificate.names[0]
    assert set(certificate["SubjectAlternativeNames"]) == set(config.certificate.names)
    hosting = config.hosting
    buckets = {b["Name"] for b in aws("s3", emulator_endpoint).list_buckets()["Buckets"]}
    assert set(hosting.buckets().values()) <= buckets
    cloudfront = aws("cloudfront", emulator_endpoint)
    for distribution_id, bucket in ((app.distribution_id, app.bucket) for app in hosting.apps.values()):
        origins = cloudfront.get_distribution(Id=distribution_id)["Distribution"]["DistributionConfig"]["Origins"][
            "Items"
        ]
        assert origins[0]["DomainName"].startswith(bucket + ".")


def test_the_permissions_boundary_is_the_rendered_one(seeded, emulator_endpoint):
    config, first, *_ = seeded
    assert first["permissions_boundary"] == config.permissions_boundary_arn
    iam = aws("iam", emulator_endpoint)
    version = iam.get_policy(PolicyArn=config.permissions_boundary_arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=config.permissions_boundary_arn, VersionId=version)["PolicyVersion"]
    assert document["Document"] == iam_policies.render_boundary(config)


def test_seeding_another_account_acts_in_that_account(emulator_endpoint):
    """prod's world lands in prod's account (444455556666), reached by AssumeRole as on AWS."""
    from tools.aws import Clients, emulator_client

    prod = load_environment("prod")
    seed(prod, emulator_endpoint)
    in_prod = Clients(prod, endpoint=emulator_endpoint, act_in_account=True)("ec2")
    in_default = emulator_client("ec2", emulator_endpoint, prod.region)
    assert in_prod.describe_vpcs(VpcIds=[prod.network.vpc_id])["Vpcs"][0]["OwnerId"] == prod.account_id
    assert prod.network.vpc_id not in {v["VpcId"] for v in in_default.describe_vpcs()["Vpcs"]}
