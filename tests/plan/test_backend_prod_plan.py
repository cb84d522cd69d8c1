"""`backend-prod`, planned against an emulator seeded with prod's pre-existing world,
creates exactly what the synth declares: only creates, the same count per type."""

from __future__ import annotations

from collections import Counter

import pytest

from config import load_environment
from tests import terraform_runs as terraform
from tests.plan.emulator_override import copy_stack, point_at_emulator
from tests.synth import resource_counts

pytestmark = [pytest.mark.emulator, pytest.mark.plan]


@pytest.fixture(scope="module")
def prod_plan(synthesized, emulator_endpoint, tmp_path_factory):
    from tools.emulator import seed

    config = load_environment("prod")
    seed.seed(config, emulator_endpoint)
    repo = tmp_path_factory.mktemp("prod-repo")
    parent = copy_stack(synthesized.stack_dir("parent-prod"), repo)
    backend = copy_stack(synthesized.stack_dir("backend-prod"), repo)
    for directory in (parent, backend):
        point_at_emulator(directory, config, emulator_endpoint)
        terraform.init(directory)
    terraform.apply(parent)
    assert terraform.plan(backend) == terraform.CHANGES
    return terraform.show_json(backend)


def test_plan_only_creates(prod_plan):
    actions = Counter(tuple(c["change"]["actions"]) for c in prod_plan["resource_changes"] if c["mode"] == "managed")
    assert set(actions) == {("create",)}, actions


def test_plan_creates_what_the_synth_declares(prod_plan, synthesized):
    planned = Counter(c["type"] for c in prod_plan["resource_changes"] if c["mode"] == "managed")
    assert dict(planned) == resource_counts(synthesized["backend-prod"])


def test_plan_reads_the_parent_outputs_by_name(prod_plan):
    (reader,) = [
        r
        for r in prod_plan["prior_state"]["values"]["root_module"].get("resources", [])
        if r["type"] == "terraform_remote_state"
    ]
    outputs = reader["values"]["outputs"]
    assert outputs["ecr_repository_name"] == "dailydesk-prod-backend"
    assert outputs["parameter_prefix"] == "/dailydesk/prod"
