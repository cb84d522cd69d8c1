"""Drift detection end to end: deploy `local` (parent and backend) into the emulator, change
an SSM parameter of ours and the API log group's retention behind Terraform's back, and
the report names exactly those two attributes (exit 2; the parameter's value masked, as
the provider marks it sensitive); after re-applying, both workspaces are clean (exit 0)."""

from __future__ import annotations

import json

import boto3
import pytest
from cdktf import App

import constructs_lib  # noqa: F401  (provider import shortcut first)
from config import load_environment
from constructs_lib import parameter_catalogue as catalogue
from constructs_lib.naming import Namer
from stacks.app import build_app
from tools import drift, terraform

pytestmark = pytest.mark.emulator

LAYERS = ("parent", "backend")
DRIFTED_EMAIL = "drifted-by-hand@example.com"
DRIFTED_RETENTION = 30


def client(config, service: str):
    return boto3.client(service, endpoint_url=config.emulator.endpoint, region_name=config.region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def address(document: dict, resource_type: str, path_suffix: str) -> str:
    matches = [name for name, body in document["resource"][resource_type].items()
               if body["//"]["metadata"]["path"].endswith(path_suffix)]
    assert len(matches) == 1, matches
    return f"{resource_type}.{matches[0]}"


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory):
    from tools.emulator import seed, server

    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    server.reset(emulator_endpoint)  # other modules deploy the same names into this emulator
    seed.seed(config, emulator_endpoint)
    # <tmp>/repo/cdktf.out mirrors the repository, so the local state lands in <tmp>/repo/state.
    outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
    build_app(App(outdir=str(outdir)), environments=["local"]).synth()
    namer = Namer(config.project, config.name)
    for layer in LAYERS:
        directory = outdir / "stacks" / namer.stack(layer)
        terraform.init(directory)
        terraform.apply(directory)
    yield config, outdir
    # The state is in a temp directory: forgetting the resources is the whole clean-up.
    server.reset(emulator_endpoint)


def test_drift_is_named_exactly_and_cleared_by_a_deploy(deployed, tmp_path, capsys):
    config, outdir = deployed
    namer = Namer(config.project, config.name)
    parent = json.loads((outdir / "stacks" / "parent-local" / "cdk.tf.json").read_text())
    backend = json.loads((outdir / "stacks" / "backend-local" / "cdk.tf.json").read_text())
    email = address(parent, "aws_ssm_parameter", "/parameters/admin_email")
    log_group = address(backend, "aws_cloudwatch_log_group", "/logs/group")

    # Straight after the deploy: nothing has drifted.
    assert drift.run(config, outdir, LAYERS) == (drift.NO_DRIFT, [])

    client(config, "ssm").put_parameter(Name=namer.parameter("admin/email"), Value=DRIFTED_EMAIL,
                                        Type="String", Overwrite=True)
    client(config, "logs").put_retention_policy(logGroupName=catalogue.log_group_name(namer),
                                                retentionInDays=DRIFTED_RETENTION)

    report = tmp_path / "drift.json"
    argv = ["--env=local", f"--outdir={outdir}", "--skip-synth", f"--layers={','.join(LAYERS)}", f"--json={report}"]
    assert drift.main(argv) == drift.DRIFT
    printed = capsys.readouterr().out
    found = {tuple(row.values()) for row in json.loads(report.read_text())}
    # The AWS provider marks every aws_ssm_parameter `value` sensitive: named, never shown.
    assert found == {
        ("parent-local", email, "value", drift.SENSITIVE, drift.SENSITIVE),
        ("backend-local", log_group, "retention_in_days", str(config.logs.retention_days), str(DRIFTED_RETENTION)),
    }
    assert email in printed and "retention_in_days" in printed
    assert DRIFTED_EMAIL not in printed and config.admin.email not in printed

    for layer in LAYERS:
        terraform.apply(outdir / "stacks" / namer.stack(layer))

    assert drift.main(["--env=local", f"--outdir={outdir}", "--skip-synth", f"--layers={','.join(LAYERS)}"]) \
        == drift.NO_DRIFT
    assert "no drift" in capsys.readouterr().out
