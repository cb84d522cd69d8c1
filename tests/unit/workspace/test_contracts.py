"""The parent publishes exactly the contract; the other workspaces read it by name."""

import os
import re

import pytest

from tests.configs import ENVIRONMENTS, LAYERS
from tests.synth import data_sources
from workspace.catalogue import CATALOGUE, SECRETS, cdk_parameters
from workspace.contracts import PARENT_CONTRACT
from workspace.layers import PARENT
from workspace.outputs import publish

PARENT_OUTPUTS = PARENT_CONTRACT.outputs


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_parent_emits_every_contract_output_with_a_description(synthesized, env):
    outputs = synthesized[f"parent-{env}"]["output"]
    assert set(outputs) == set(PARENT_OUTPUTS)
    for name, spec in PARENT_OUTPUTS.items():
        assert outputs[name]["description"] == spec.description


def test_publish_refuses_missing_and_unknown_outputs():
    with pytest.raises(
        ValueError, match=r"missing \['deployment_topic_arn'.*'ecr_repository_name'.*unknown \['surprise'\]"
    ):
        publish(None, PARENT_CONTRACT, {"surprise": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer != PARENT.name])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_other_workspaces_read_the_parent_state(synthesized, layer, env):
    stack = synthesized[f"{layer}-{env}"]
    (reader,) = data_sources(stack, "terraform_remote_state").values()
    assert reader["backend"] in ("local", "s3", "remote")
    # No cdktf-generated cross-stack outputs: everything goes through the named contract.
    assert not any(name.startswith("cross-stack-output") for name in synthesized[f"parent-{env}"]["output"])


def parent_state_location(synthesized, env: str) -> tuple[str, dict]:
    """Where the parent of `env` writes its state: (backend kind, settings), the local path
    made absolute."""
    terraform = synthesized[f"parent-{env}"]["terraform"]
    if "cloud" in terraform:
        return "remote", terraform["cloud"]
    ((kind, settings),) = terraform["backend"].items()
    if kind == "local":
        return kind, {"path": os.path.normpath(synthesized.stack_dir(f"parent-{env}") / settings["path"])}
    return kind, {key: settings[key] for key in ("bucket", "key", "region")}


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer != PARENT.name])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_consumer_reads_where_its_parent_writes(synthesized, layer, env):
    (reader,) = data_sources(synthesized[f"{layer}-{env}"], "terraform_remote_state").values()
    config = reader["config"]
    if reader["backend"] == "local":
        config = {"path": os.path.normpath(synthesized.stack_dir(f"{layer}-{env}") / config["path"])}
    elif reader["backend"] == "s3":
        assert config["encrypt"] is True
        config = {key: config[key] for key in ("bucket", "key", "region")}
    assert (reader["backend"], config) == parent_state_location(synthesized, env)


# The parent state each environment's consumers read, written out (not derived from the
# code under test): the repository's state/ directory, the S3 keys, the cloud workspace.
PARENT_STATES = {
    "local": ("local", "state/local/parent-local.tfstate"),
    "dev": ("remote", "dailydesk/dailydesk-parent-dev"),
    "staging": ("s3", "dailydesk-terraform-state-333344445555/dailydesk/staging/parent.tfstate"),
    "prod": ("s3", "dailydesk-terraform-state-444455556666/dailydesk/prod/parent.tfstate"),
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_parent_state_read_is_the_one_written_out(synthesized, env):
    kind, settings = parent_state_location(synthesized, env)
    where = {
        "local": lambda: os.path.relpath(settings["path"], synthesized.outdir.parent),
        "remote": lambda: f"{settings['organization']}/{settings['workspaces']['name']}",
        "s3": lambda: f"{settings['bucket']}/{settings['key']}",
    }[kind]()
    assert (kind, where) == PARENT_STATES[env]


READ = re.compile(r"data\.terraform_remote_state\.([A-Za-z0-9_]+)\.outputs\.([A-Za-z0-9_]+)(?:\[\\\"([^\\]+)\\\"\])?")


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer != PARENT.name])
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_consumer_reads_only_contract_outputs(synthesized, layer, env):
    stack = synthesized[f"{layer}-{env}"]
    text = (synthesized.stack_dir(f"{layer}-{env}") / "cdk.tf.json").read_text()
    reads = READ.findall(text)
    assert reads, "the consumer reads nothing from its parent"
    (reader,) = data_sources(stack, "terraform_remote_state")
    assert {name for name, _, _ in reads} == {reader}
    assert {output for _, output, _ in reads} <= set(PARENT_OUTPUTS)
    # Map outputs are read by keys the parent publishes.
    keys = [(output, key) for _, output, key in reads if key]
    assert keys and "lookup(data.terraform_remote_state" not in text
    published = {
        "parameter_arns": {p.name for p in CATALOGUE},
        "parameter_values": {p.name for p in cdk_parameters() if not p.sensitive},
        "secret_arn_patterns": {s.name for s in SECRETS},
    }
    assert [(output, key) for output, key in keys if key not in published.get(output, set())] == []


def test_the_consumer_check_sees_a_read_outside_the_contract():
    text = r'"${data.terraform_remote_state.parent_state_72C36AF8.outputs.surprise[\"x\"]}"'
    assert READ.findall(text) == [("parent_state_72C36AF8", "surprise", "x")]
    assert "surprise" not in PARENT_OUTPUTS


def test_parent_outputs_refuses_what_the_parent_does_not_publish():
    from cdktf import App, TerraformStack

    from config import load_environment
    from workspace.outputs import ParentOutputs

    config = load_environment("local")
    outputs = ParentOutputs(TerraformStack(App(), "consumer"), "parent", config=config, namer=config.namer)
    with pytest.raises(KeyError, match="'surprise' is not a parent output; the contract has"):
        outputs.string("surprise")
    with pytest.raises(KeyError, match="'no/such' is not in the parameter catalogue"):
        outputs.parameter_arn("no/such")
    with pytest.raises(KeyError, match="'rds/password' is not a non-sensitive CDK parameter"):
        outputs.parameter_value("rds/password")  # a manual one: no value published
    with pytest.raises(KeyError, match="'rds/username' is not a non-sensitive CDK parameter"):
        outputs.parameter_value("rds/username")  # sensitive
    with pytest.raises(KeyError, match="'no-such-secret' is not one of the spec's secrets"):
        outputs.secret_arn_pattern("no-such-secret")
    # What it does publish is read.
    assert outputs.string("log_group_name").startswith("${")
