"""The preflight against the emulator: a complete world is ready (exit 0); each kind of
missing or unusable item is named with its fix (exit 1); no secret or SecureString value
ever reaches the output; a failed preflight stops deploy-local before anything is made."""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path

import pytest

from config import load_environment
from config.schema import EnvironmentConfig
from tools import iam_policies, local_environment, preflight
from tools.aws import Clients, emulator_client
from tools.deploy import exit_codes
from tools.emulator.seed import self_signed
from workspace import catalogue

pytestmark = pytest.mark.emulator

# Known throwaway values, so the test can prove none of them is ever printed.
SECRET_MARK = "PREFLIGHT-SECRET-VALUE-4f9c"
PARAMETER_MARK = "PREFLIGHT-SECURESTRING-VALUE-7d21"


@pytest.fixture(scope="module")
def endpoint(emulator_endpoint) -> str:
    return emulator_endpoint


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST", data=b""), timeout=30)


def client(endpoint: str, service: str):
    return emulator_client(service, endpoint, "us-east-1")


class Connections:
    """CodeStar Connections as AWS answers it: moto 5.2.5 does not implement the service."""

    def __init__(self, arn: str, status: str | None) -> None:
        self.arn, self.status = arn, status

    def get_connection(self, ConnectionArn: str) -> dict:  # noqa: N803 - boto3's argument name
        from botocore.exceptions import ClientError

        if self.status is None or ConnectionArn != self.arn:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, "GetConnection")
        return {"Connection": {"ConnectionArn": self.arn, "ConnectionStatus": self.status, "ProviderType": "GitHub"}}


def seed_world(endpoint: str, base: EnvironmentConfig) -> EnvironmentConfig:
    """Create the pre-existing world in the emulator; returns the config with the ids the
    emulator chose (it cannot be told a VPC, certificate or distribution id)."""
    namer = base.namer
    ssm, secrets = client(endpoint, "ssm"), client(endpoint, "secretsmanager")
    for parameter in catalogue.manual_parameters():
        ssm.put_parameter(
            Name=namer.parameter(parameter.name), Type=parameter.type, Value=f"{PARAMETER_MARK}-{parameter.slug}"
        )
    for secret in catalogue.SECRETS:
        secrets.create_secret(Name=secret.name, SecretString=json.dumps({secret.key: f"{SECRET_MARK}-{secret.name}"}))
    ec2 = client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24")["Subnet"]["SubnetId"] for i in range(4)]
    group = ec2.create_security_group(GroupName="rds", Description="rds", VpcId=vpc)["GroupId"]
    certificate, key = self_signed(base.certificate.names)
    certificate_arn = client(endpoint, "acm").import_certificate(Certificate=certificate, PrivateKey=key)[
        "CertificateArn"
    ]
    s3, cloudfront = client(endpoint, "s3"), client(endpoint, "cloudfront")
    for bucket in base.hosting.buckets().values():
        s3.create_bucket(Bucket=bucket)
    apps = {}
    for name, app in base.hosting.apps.items():
        origin = {
            "Id": "s3",
            "DomainName": f"{app.bucket}.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        distribution_id = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": name,
                "Comment": name,
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [origin]},
                "DefaultCacheBehavior": {
                    "TargetOriginId": "s3",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "MinTTL": 0,
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                },
            }
        )["Distribution"]["Id"]
        apps[name] = app.model_copy(update={"distribution_id": distribution_id})
    config = base.model_copy(
        update={
            "network": base.network.model_copy(
                update={
                    "vpc_id": vpc,
                    "public_subnet_ids": tuple(subnets[:2]),
                    "private_subnet_ids": tuple(subnets[2:]),
                }
            ),
            "rds": base.rds.model_copy(update={"security_group_id": group}),
            "certificate": base.certificate.model_copy(update={"arn": certificate_arn}),
            "hosting": base.hosting.model_copy(update={"apps": apps}),
        }
    )
    client(endpoint, "iam").create_policy(
        PolicyName=config.permissions_boundary_name,
        PolicyDocument=json.dumps(iam_policies.render_boundary(config)),
    )
    return config


@pytest.fixture
def world(endpoint):
    reset(endpoint)
    base = load_environment("local")
    base = base.model_copy(
        update={"emulator": base.emulator.model_copy(update={"port": int(endpoint.rsplit(":", 1)[1])})}
    )
    return seed_world(endpoint, base)


def check(
    config: EnvironmentConfig, capsys, connection_status: str | None = "AVAILABLE", read_secret_keys: bool = False
) -> tuple[int, str, dict]:
    clients = Clients(
        config, overrides={"codestar-connections": Connections(config.pipelines.connection_arn, connection_status)}
    )
    json_path = Path(tempfile.mkdtemp()) / "preflight.json"
    code = preflight.report(config, clients, json_path=str(json_path), read_secret_keys=read_secret_keys)
    output = capsys.readouterr().out
    document = json.loads(json_path.read_text())
    return code, output + json.dumps(document), {row["item"]: row for row in document["rows"]}


def test_complete_world_is_ready(world, capsys):
    code, output, rows = check(world, capsys)
    assert code == 0, output
    assert all(row["status"] == "ready" for row in rows.values())
    # account, parameters, secrets, VPC, 4 subnets, RDS group, certificate, connection, 4 buckets, 3 distributions,
    # the permissions boundary
    expected = 1 + len(catalogue.manual_parameters()) + len(catalogue.SECRETS) + 1 + 4 + 1 + 1 + 1 + 4 + 3 + 1
    assert len(rows) == expected
    assert f"{expected}/{expected} ready" in output


def test_by_default_no_secret_value_is_read(world, capsys, monkeypatch):
    """Metadata only: GetSecretValue is never called unless --read-secret-keys asks for it."""
    monkeypatch.setattr(preflight, "_json_keys", lambda *a: pytest.fail("a secret value was read"))
    code, _, rows = check(world, capsys)
    assert code == 0
    assert "not read: --read-secret-keys" in rows["technician-scheduler"]["detail"]


def test_no_value_ever_reaches_the_output(world, capsys):
    _, ready_output, _ = check(world, capsys, read_secret_keys=True)
    # A secret without its key and a String parameter make the preflight describe them.
    client(world.emulator.endpoint, "secretsmanager").put_secret_value(
        SecretId="technician-scheduler", SecretString=json.dumps({"other-key": f"{SECRET_MARK}-wrong"})
    )
    _, failing_output, rows = check(world, capsys, read_secret_keys=True)
    assert rows["technician-scheduler"]["status"] == "unusable"
    for output in (ready_output, failing_output):
        assert SECRET_MARK not in output
        assert PARAMETER_MARK not in output


def test_missing_manual_parameter(world, capsys):
    name = world.namer.parameter("jwt-secret")
    client(world.emulator.endpoint, "ssm").delete_parameter(Name=name)
    code, _, rows = check(world, capsys)
    assert code == exit_codes.FOUND
    assert rows[name]["status"] == "missing"
    assert f"aws ssm put-parameter --region us-east-1 --name {name} --type SecureString" in rows[name]["fix"]
    assert [item for item, row in rows.items() if row["status"] != "ready"] == [name]


def test_parameter_of_the_wrong_type(world, capsys):
    name = world.namer.parameter("rds/password")
    client(world.emulator.endpoint, "ssm").put_parameter(Name=name, Type="String", Value="plain", Overwrite=True)
    code, _, rows = check(world, capsys)
    assert code == exit_codes.FOUND
    assert rows[name]["status"] == "unusable"
    assert rows[name]["detail"] == "type is String, expected SecureString"
    assert rows[name]["fix"].startswith(f"recreate it as SecureString: aws ssm delete-parameter --name {name}")


def test_missing_secret_and_secret_without_its_key(world, capsys):
    secrets = client(world.emulator.endpoint, "secretsmanager")
    secrets.delete_secret(SecretId="technician-scheduler", ForceDeleteWithoutRecovery=True)
    secrets.put_secret_value(SecretId="send-review-to-customer", SecretString=json.dumps({"x-api-key": "k"}))
    code, _, rows = check(world, capsys, read_secret_keys=True)
    assert code == exit_codes.FOUND
    assert rows["technician-scheduler"]["status"] == "missing"
    assert "create-secret" in rows["technician-scheduler"]["fix"]
    assert '{"x-api-key":"<api key>"}' in rows["technician-scheduler"]["fix"]
    unusable = rows["send-review-to-customer"]
    assert unusable["status"] == "unusable"
    assert unusable["detail"] == "its JSON has no key 'x-api-key-send-sms' (keys: x-api-key)"
    assert "put-secret-value" in unusable["fix"]


def with_certificate(world: EnvironmentConfig, arn: str) -> EnvironmentConfig:
    return world.model_copy(update={"certificate": world.certificate.model_copy(update={"arn": arn})})


def test_certificate_not_issued_or_not_covering_every_host(world, capsys):
    acm = client(world.emulator.endpoint, "acm")
    pending = acm.request_certificate(DomainName=world.certificate.names[0])["CertificateArn"]
    code, _, rows = check(with_certificate(world, pending), capsys)
    assert code == exit_codes.FOUND
    assert rows[pending]["status"] == "unusable"
    assert rows[pending]["detail"] == "status PENDING_VALIDATION"
    assert "DNS validation" in rows[pending]["fix"]

    # The parent domain's wildcard does not reach local's hosts, two labels below it.
    certificate, key = self_signed(("*.dailydesk.com", "dailydesk.com"))
    parent = acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    _, _, rows = check(with_certificate(world, parent), capsys)
    assert rows[parent]["status"] == "unusable"
    assert rows[parent]["detail"] == (
        "issued for *.dailydesk.com, dailydesk.com: "
        "does not cover api.local.dailydesk.com, app.local.dailydesk.com, booking.local.dailydesk.com"
    )
    assert "--domain-name '*.local.dailydesk.com'" in rows[parent]["fix"]


def test_connection_pending_or_missing(world, capsys):
    arn = world.pipelines.connection_arn
    code, _, rows = check(world, capsys, connection_status="PENDING")
    assert code == exit_codes.FOUND
    assert rows[arn]["status"] == "unusable"
    assert rows[arn]["detail"] == "status PENDING"
    assert "Update pending connection" in rows[arn]["fix"]
    _, _, rows = check(world, capsys, connection_status=None)
    assert rows[arn]["status"] == "missing"


def test_missing_network_and_hosting(world, capsys):
    endpoint = world.emulator.endpoint
    tablet_bucket = world.hosting.apps["tablet"].bucket
    client(endpoint, "s3").delete_bucket(Bucket=tablet_bucket)
    apps = {
        **world.hosting.apps,
        "booking": world.hosting.apps["booking"].model_copy(update={"distribution_id": "E0000000000000"}),
    }
    broken = world.model_copy(
        update={
            "network": world.network.model_copy(update={"vpc_id": "vpc-0123456789abcdef0"}),
            "hosting": world.hosting.model_copy(update={"apps": apps}),
        }
    )
    code, _, rows = check(broken, capsys)
    assert code == exit_codes.FOUND
    assert rows["vpc-0123456789abcdef0"]["status"] == "missing"
    assert rows["vpc-0123456789abcdef0"]["fix"] == "fix network.vpc_id in the environment file"
    # Subnets and the RDS group are in another VPC than the (wrong) configured one.
    assert rows[world.network.private_subnet_ids[0]]["status"] == "unusable"
    assert rows[world.rds.security_group_id]["status"] == "unusable"
    assert rows[tablet_bucket]["status"] == "missing"
    assert rows[tablet_bucket]["kind"] == "S3 bucket (apps.tablet.bucket)"
    assert rows["E0000000000000"]["status"] == "missing"
    assert rows["E0000000000000"]["fix"].startswith("fix hosting.apps.booking.distribution_id")


def test_permissions_boundary_missing_or_stale(world, capsys):
    arn = world.permissions_boundary_arn
    iam = client(world.emulator.endpoint, "iam")
    older = iam_policies.render_boundary(world)
    older["Statement"] = older["Statement"][:-1]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(older), SetAsDefault=True)
    code, _, rows = check(world, capsys)
    assert code == exit_codes.FOUND
    assert rows[arn]["status"] == "unusable"
    assert rows[arn]["detail"] == "v2 differs from policy/iam/permissions-boundary.json"
    assert [item for item, row in rows.items() if row["status"] != "ready"] == [arn]
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    code, _, rows = check(world, capsys)
    assert code == exit_codes.FOUND
    assert rows[arn]["status"] == "missing"
    assert [item for item, row in rows.items() if row["status"] != "ready"] == [arn]
    assert "aws iam create-policy --policy-name dailydesk-local-permissions-boundary" in rows[arn]["fix"]


def test_wrong_account_is_named(world, capsys):
    other = world.model_copy(update={"account_id": "999988887777"})
    code, _, rows = check(other, capsys)
    assert code == exit_codes.FOUND
    assert rows["999988887777/us-east-1"]["status"] == "unusable"
    assert rows["999988887777/us-east-1"]["detail"] == "the credentials are for account 123456789012"


def test_failed_preflight_deploys_nothing(endpoint, monkeypatch):
    import types

    import tools.emulator
    from tools.emulator import server

    reset(endpoint)  # an empty world: nothing the preflight needs is there
    used: list[str] = []
    # The synth starts beside the emulator and the preflight; a failed preflight abandons it.
    synthesis = types.SimpleNamespace(wait=lambda: used.append("wait") or 0.0, stop=lambda: used.append("stop"))
    monkeypatch.setattr(server, "start_background", lambda host, port: False)
    monkeypatch.setattr(tools.emulator, "seed", types.SimpleNamespace(seed=lambda config, url: None), raising=False)
    monkeypatch.setattr(local_environment.synth, "start", lambda environments, outdir: synthesis)
    monkeypatch.setattr(local_environment.engine, "deploy", lambda *a, **k: used.append("deploy"))
    with pytest.raises(SystemExit, match="preflight failed: nothing was deployed"):
        local_environment.deploy(load_environment("local"))
    assert used == ["stop"]  # the synth stopped, never used; nothing deployed


def test_connection_the_emulator_cannot_serve_is_shown_not_failed(world, capsys):
    """moto 5.2.5 has no CodeStar Connections API: the row says so, the rest still decides."""
    code = preflight.report(world, Clients(world))
    output = capsys.readouterr().out
    assert code == 0, output
    row = next(line for line in output.splitlines() if line.startswith(world.pipelines.connection_arn))
    assert "not emulated" in row and "the emulator has no CodeStar Connections API; checked on AWS" in row
