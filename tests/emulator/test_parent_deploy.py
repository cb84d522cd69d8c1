"""The deploy-local path for the parent workspace, end to end, against the emulator."""

from __future__ import annotations

import boto3
import pytest

from config import load_environment
from constructs_lib.naming import Namer
from constructs_lib.parameter_catalogue import cdk_parameters, manual_parameters
from tools import local_environment, terraform

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def deployed_parent(emulator_endpoint, tmp_path_factory):
    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
    local_environment.deploy(config, outdir=outdir, layers=("parent",))
    yield config, outdir


def ssm(config) -> boto3.client:
    return boto3.client("ssm", endpoint_url=config.emulator.endpoint, region_name=config.region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def all_parameters(client, prefix: str) -> dict[str, dict]:
    found = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True, WithDecryption=True):
        found.update({p["Name"]: p for p in page["Parameters"]})
    return found


def test_every_cdk_parameter_exists_with_its_value(deployed_parent):
    config, _ = deployed_parent
    namer = Namer(config.project, config.name)
    found = all_parameters(ssm(config), config.parameter_prefix)
    for entry in cdk_parameters():
        parameter = found[namer.parameter(entry.name)]
        assert parameter["Value"] == entry.value(config, namer)
        assert parameter["Type"] == entry.type
    # The manual ones are the seeded throwaway values, untouched by Terraform.
    assert {namer.parameter(p.name) for p in manual_parameters()} <= set(found)


def test_state_never_holds_a_manual_value(deployed_parent):
    config, outdir = deployed_parent
    state = local_environment.state_file(config, outdir, "parent").read_text()
    values = all_parameters(ssm(config), config.parameter_prefix)
    for entry in manual_parameters():
        assert values[Namer(config.project, config.name).parameter(entry.name)]["Value"] not in state


def test_second_plan_is_empty(deployed_parent):
    config, outdir = deployed_parent
    directory = outdir / "stacks" / "parent-local"
    assert terraform.plan(directory, "second.tfplan") == terraform.NO_CHANGES


def test_destroy_removes_the_parameters(deployed_parent):
    config, outdir = deployed_parent
    local_environment.destroy(config, outdir=outdir, layers=("parent",))
    namer = Namer(config.project, config.name)
    left = set(all_parameters(ssm(config), config.parameter_prefix))
    assert not left & {namer.parameter(p.name) for p in cdk_parameters()}
