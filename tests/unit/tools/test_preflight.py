"""The preflight table is derived from the catalogue and the environment config (no second
list), and each check turns AWS answers into the right row without ever printing a value."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from config import load_environment
from config.schema import ENVIRONMENT_NAMES
from tools import iam_policies, preflight
from tools.aws import Clients
from tools.deploy import exit_codes
from workspace import catalogue


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_table_is_derived_from_the_catalogue_and_the_config(name):
    config = load_environment(name)
    namer = config.namer
    table = [(r.item, r.kind) for r in preflight.requirements(config)]
    expected = [
        (f"{config.account_id}/{config.region}", "AWS account"),
        *((namer.parameter(p.name), "SSM parameter (SecureString)") for p in catalogue.manual_parameters()),
        *((s.name, "secret (JSON)") for s in catalogue.SECRETS),
        (config.network.vpc_id, "VPC"),
        *((s, "subnet (public)") for s in config.network.public_subnet_ids),
        *((s, "subnet (private)") for s in config.network.private_subnet_ids),
        (config.rds.security_group_id, "security group (RDS)"),
        (config.certificate.arn, "ACM certificate"),
        (config.pipelines.connection_arn, "CodeStar connection"),
        *((v, f"S3 bucket ({k})") for k, v in config.hosting.buckets().items()),
        *((v, f"CloudFront distribution ({k})") for k, v in config.hosting.distributions().items()),
        (config.permissions_boundary_arn, "IAM policy (permissions boundary)"),
    ]
    assert table == expected
    assert len(table) == 1 + 9 + 2 + 1 + 6 + 1 + 1 + 1 + 4 + 3 + 1


class Fake:
    """A boto3 client answering from a dict of operation -> response (or exception)."""

    def __init__(self, **answers) -> None:
        self.answers, self.calls = answers, []

    def __getattr__(self, operation):
        def call(**kwargs):
            self.calls.append(operation)
            answer = self.answers[operation]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


def error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "Op")


def row_for(config, clients: dict, item: str, read_secret_keys: bool = False) -> preflight.Row:
    requirement = next(r for r in preflight.requirements(config, read_secret_keys) if r.item == item)
    return requirement.check(Clients(config, overrides=clients))


@pytest.fixture
def prod():
    return load_environment("prod")


def test_parameter_rows(prod):
    name = prod.namer.parameter("jwt-secret")
    ready = row_for(
        prod, {"ssm": Fake(describe_parameters={"Parameters": [{"Type": "SecureString", "Version": 3}]})}, name
    )
    assert (ready.status, ready.detail) == ("ready", "SecureString, version 3")
    wrong = row_for(prod, {"ssm": Fake(describe_parameters={"Parameters": [{"Type": "String"}]})}, name)
    assert (wrong.status, wrong.detail) == ("unusable", "type is String, expected SecureString")
    missing = row_for(prod, {"ssm": Fake(describe_parameters={"Parameters": []})}, name)
    assert missing.status == "missing"
    assert missing.fix == (
        f"aws ssm put-parameter --region us-east-1 --name {name} --type SecureString "
        "--description 'Secret key for JWT signing' --value <value>"
    )


def test_secret_rows_name_keys_never_values(prod):
    value = "sk-THIS-MUST-NEVER-BE-PRINTED"
    current = {"VersionIdsToStages": {"v1": ["AWSCURRENT"]}}
    good = Fake(describe_secret=current, get_secret_value={"SecretString": json.dumps({"x-api-key": value})})
    assert row_for(prod, {"secretsmanager": good}, "technician-scheduler", True).status == "ready"
    wrong = Fake(describe_secret=current, get_secret_value={"SecretString": json.dumps({"other": value})})
    row = row_for(prod, {"secretsmanager": wrong}, "technician-scheduler", True)
    assert (row.status, row.detail) == ("unusable", "its JSON has no key 'x-api-key' (keys: other)")
    plain = Fake(describe_secret=current, get_secret_value={"SecretString": value})
    row = row_for(prod, {"secretsmanager": plain}, "technician-scheduler", True)
    assert row.detail == "its value is not a JSON object (needs key 'x-api-key')"
    deleted = Fake(describe_secret={"DeletedDate": "2026-01-01", **current})
    assert row_for(prod, {"secretsmanager": deleted}, "technician-scheduler").status == "unusable"
    missing = Fake(describe_secret=error("ResourceNotFoundException"))
    assert row_for(prod, {"secretsmanager": missing}, "technician-scheduler").status == "missing"
    rendered = preflight.render(
        [row_for(prod, {"secretsmanager": s}, "technician-scheduler", True) for s in (good, wrong, plain)]
    )
    assert value not in rendered


def test_secret_rows_read_no_value_by_default(prod):
    current = {"VersionIdsToStages": {"v1": ["AWSCURRENT"]}}
    no_value = Fake(describe_secret=current, get_secret_value=error("AccessDeniedException"))
    row = row_for(prod, {"secretsmanager": no_value}, "technician-scheduler")
    assert row.status == "ready"
    assert row.detail == "has a current version (key 'x-api-key' not read: --read-secret-keys)"
    stale = Fake(describe_secret={"VersionIdsToStages": {"v1": ["AWSPREVIOUS"]}})
    assert row_for(prod, {"secretsmanager": stale}, "technician-scheduler").detail == "has no current version"


def issued(domain_name: str, *alternatives: str) -> Fake:
    return Fake(
        describe_certificate={
            "Certificate": {
                "Status": "ISSUED",
                "DomainName": domain_name,
                "SubjectAlternativeNames": [domain_name, *alternatives],
            }
        }
    )


def test_certificate_rows(prod):
    arn = prod.certificate.arn
    ready = row_for(prod, {"acm": issued("*.dailydesk.com")}, arn)
    assert (ready.status, ready.detail) == ("ready", "ISSUED for *.dailydesk.com")
    other = row_for(prod, {"acm": issued("*.example.org")}, arn)
    assert (other.status, other.detail) == (
        "unusable",
        "issued for *.example.org: does not cover api.dailydesk.com, app.dailydesk.com, booking.dailydesk.com",
    )
    assert other.fix.startswith("request it (aws acm request-certificate --domain-name '*.dailydesk.com' ")
    expired = {"Certificate": {"Status": "EXPIRED", "DomainName": "*.dailydesk.com"}}
    assert row_for(prod, {"acm": Fake(describe_certificate=expired)}, arn).detail == "status EXPIRED"


def test_certificate_must_cover_every_served_host_not_just_the_domain():
    staging = load_environment("staging")
    arn = staging.certificate.arn
    # The apex and its one-label wildcard: none of staging's hosts is one label below the apex.
    apex = row_for(staging, {"acm": issued("*.dailydesk.com", "dailydesk.com")}, arn)
    assert apex.status == "unusable"
    assert apex.detail == (
        "issued for *.dailydesk.com, dailydesk.com: "
        "does not cover api.staging.dailydesk.com, app.staging.dailydesk.com, booking.staging.dailydesk.com"
    )
    # Hosts named one by one in the alternative names: only the missing one is named.
    partial = row_for(staging, {"acm": issued("api.staging.dailydesk.com", "app.staging.dailydesk.com")}, arn)
    assert partial.detail.endswith(": does not cover booking.staging.dailydesk.com")
    assert row_for(staging, {"acm": issued("*.staging.dailydesk.com")}, arn).status == "ready"


def test_connection_rows(prod):
    arn = prod.pipelines.connection_arn
    available = Fake(get_connection={"Connection": {"ConnectionStatus": "AVAILABLE", "ProviderType": "GitHub"}})
    assert row_for(prod, {"codestar-connections": available}, arn).status == "ready"
    pending = Fake(get_connection={"Connection": {"ConnectionStatus": "PENDING"}})
    assert row_for(prod, {"codestar-connections": pending}, arn).status == "unusable"
    # On AWS an unexpected server error is an error, never "not emulated".
    broken = Fake(get_connection=error("500"))
    assert row_for(prod, {"codestar-connections": broken}, arn).status == "error"


def test_account_mismatch_and_access_denied(prod):
    other = Fake(get_caller_identity={"Account": "111122223333"})
    row = row_for(prod, {"sts": other}, "444455556666/us-east-1")
    assert (row.status, row.detail) == ("unusable", "the credentials are for account 111122223333")
    denied = Fake(describe_vpcs=error("UnauthorizedOperation"))
    row = row_for(prod, {"ec2": denied}, prod.network.vpc_id)
    assert row.status == "error" and "UnauthorizedOperation" in row.detail


def test_render_and_exit_code():
    rows = [
        preflight.Row("a", "VPC", "ready", "available"),
        preflight.Row("b", "secret (JSON)", "missing", "not found", "create it"),
    ]
    text = preflight.render(rows)
    assert text.splitlines()[0].split() == ["ITEM", "KIND", "STATUS", "WHAT", "TO", "DO"]
    assert "not found: create it" in text and text.endswith("1/2 ready, 1 not ready")
    unchecked = preflight.render(
        [
            preflight.Row("a", "VPC", "ready", "available"),
            preflight.Row("c", "CodeStar connection", preflight.NOT_EMULATED, "no API"),
        ]
    )
    assert unchecked.endswith("1/2 ready, 1 not emulated")


def test_unknown_environment_is_a_usage_error(capsys):
    assert preflight.main(["--env", "qa"]) == exit_codes.ERROR
    assert "unknown environment 'qa'" in capsys.readouterr().err


def test_permissions_boundary_rows(prod):
    """The boundary exists and its default version is what the template renders."""
    arn = prod.permissions_boundary_arn
    assert arn == "arn:aws:iam::444455556666:policy/dailydesk-prod-permissions-boundary"
    rendered = iam_policies.render_boundary(prod)

    def iam(document) -> Fake:
        return Fake(
            get_policy={"Policy": {"Arn": arn, "DefaultVersionId": "v3"}},
            get_policy_version={"PolicyVersion": {"VersionId": "v3", "Document": document}},
        )

    ready = row_for(prod, {"iam": iam(rendered)}, arn)
    assert (ready.status, ready.detail) == ("ready", "v3, as policy/iam/permissions-boundary.json renders it")
    # A raw answer carries the document URL-encoded.
    encoded = urllib.parse.quote(json.dumps(rendered))
    assert row_for(prod, {"iam": iam(encoded)}, arn).status == "ready"
    older = {**rendered, "Statement": rendered["Statement"][:-1]}
    stale = row_for(prod, {"iam": iam(older)}, arn)
    assert (stale.status, stale.detail) == ("unusable", "v3 differs from policy/iam/permissions-boundary.json")
    assert "aws iam create-policy-version --policy-arn " + arn in stale.fix and "--set-as-default" in stale.fix
    missing = row_for(prod, {"iam": Fake(get_policy=error("NoSuchEntity"))}, arn)
    assert missing.status == "missing"
    assert missing.fix == (
        "as an administrator: python -m tools.iam_policies --env prod --role boundary --out iam-policies; "
        "aws iam create-policy --policy-name dailydesk-prod-permissions-boundary "
        "--policy-document file://iam-policies/dailydesk-prod-permissions-boundary.json"
    )
    denied = row_for(prod, {"iam": Fake(get_policy=error("AccessDenied"))}, arn)
    assert denied.status == "error"
