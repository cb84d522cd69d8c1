"""The parent workspace writes the 46 CDK parameters and references the 9 manual ones."""

import pytest

from config import load_environment
from tests.configs import ENVIRONMENTS, LAYERS, LOCAL_PARAMETER_VALUES
from tests.synth import data_sources, resources
from workspace.catalogue import CATALOGUE, SECRETS, cdk_parameters, manual_parameters


def test_the_catalogue_is_the_spec_table():
    assert len(CATALOGUE) == 55
    assert len(cdk_parameters()) == 46 and len(manual_parameters()) == 9
    assert {p.name for p in manual_parameters()} == {
        "admin/password",
        "cloudfront/sales-export-private-key",
        "gsm/password",
        "iam/access-key",
        "iam/secret-key",
        "jwt-refresh-secret",
        "jwt-secret",
        "rds/password",
        "sendgrid/api-key",
    }
    assert len({p.name for p in CATALOGUE}) == 55
    assert {(s.name, s.key) for s in SECRETS} == {
        ("technician-scheduler", "x-api-key"),
        ("send-review-to-customer", "x-api-key-send-sms"),
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_cdk_parameter_is_written_with_its_config_value(synthesized, env):
    stack = synthesized[f"parent-{env}"]
    config = load_environment(env)
    namer = config.namer
    written = {r["name"]: r for r in resources(stack, "aws_ssm_parameter").values()}
    assert set(written) == {f"/dailydesk/{env}/{p.name}" for p in cdk_parameters()}
    for entry in cdk_parameters():
        resource = written[f"/dailydesk/{env}/{entry.name}"]
        assert resource["value"] == entry.value(config, namer)
        assert resource["type"] == entry.type
        assert resource["description"] == entry.description
        if entry.sensitive:
            assert resource["key_id"].startswith("${aws_kms_key.")
        else:
            assert "key_id" not in resource


def test_local_parameters_hold_the_values_written_out_from_local_toml(synthesized):
    """The same values, against a literal table instead of the catalogue's own functions."""
    written = {r["name"]: r["value"] for r in resources(synthesized["parent-local"], "aws_ssm_parameter").values()}
    assert written == {f"/dailydesk/local/{name}": value for name, value in LOCAL_PARAMETER_VALUES.items()}


def test_values_come_from_config(synthesized):
    written = {r["name"]: r["value"] for r in resources(synthesized["parent-prod"], "aws_ssm_parameter").values()}
    assert written["/dailydesk/prod/fargate/cpu"] == "1024"
    assert (
        written["/dailydesk/prod/ecr/repository"]
        == "444455556666.dkr.ecr.us-east-1.amazonaws.com/dailydesk-prod-backend"
    )
    assert (
        written["/dailydesk/prod/sns/deployment-topic"]
        == "arn:aws:sns:us-east-1:444455556666:dailydesk-prod-deployments"
    )
    assert written["/dailydesk/prod/gsm/is-enabled"] == "true"
    assert written["/dailydesk/prod/logs/log-group"] == "/dailydesk/prod/backend"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_manual_parameters_and_secrets_are_never_created_nor_read(synthesized, env):
    for layer in LAYERS:
        stack = synthesized[f"{layer}-{env}"]
        names = {r.get("name") for r in resources(stack, "aws_ssm_parameter").values()}
        assert not names & {f"/dailydesk/{env}/{p.name}" for p in manual_parameters()}
        assert not data_sources(stack, "aws_ssm_parameter")
        assert not resources(stack, "aws_secretsmanager_secret")
        assert not resources(stack, "aws_secretsmanager_secret_version")


def test_manual_parameters_are_referenced_by_arn(synthesized):
    outputs = synthesized["parent-prod"]["output"]
    arns = outputs["parameter_arns"]["value"]
    assert len(arns) == 55
    assert arns["rds/password"] == "arn:aws:ssm:us-east-1:444455556666:parameter/dailydesk/prod/rds/password"


@pytest.mark.parametrize(("env", "protected"), [("prod", True), ("staging", True), ("dev", True), ("local", False)])
def test_parameters_and_key_are_protected_from_destroy(synthesized, env, protected):
    stack = synthesized[f"parent-{env}"]
    for rtype in ("aws_ssm_parameter", "aws_kms_key"):
        for resource in resources(stack, rtype).values():
            assert resource["lifecycle"]["prevent_destroy"] is protected


def test_parameter_key_rotates(synthesized):
    (key,) = resources(synthesized["parent-prod"], "aws_kms_key").values()
    assert key["enable_key_rotation"] is True
