"""`backend-prod` and `frontend-prod`, each planned against an emulator seeded with prod's
pre-existing world and a real `parent-prod` applied there, create exactly what the synth
declares (only creates, the same count per type) and read the parent's outputs by name."""

from __future__ import annotations

from collections import Counter

import pytest

from config import load_environment
from tests import terraform_runs as terraform
from tests.plan.emulator_override import copy_stack, point_at_emulator
from tests.synth import resource_counts

pytestmark = [pytest.mark.emulator, pytest.mark.plan]


@pytest.fixture(scope="module")
def prod_parent(synthesized, emulator_endpoint, tmp_path_factory):
    """prod's world seeded and `parent-prod` applied, once for both consumers' plans."""
    from tools.emulator import seed

    config = load_environment("prod")
    seed.seed(config, emulator_endpoint)
    repo = tmp_path_factory.mktemp("prod-repo")
    parent = copy_stack(synthesized.stack_dir("parent-prod"), repo)
    point_at_emulator(parent, config, emulator_endpoint)
    terraform.init(parent)
    terraform.apply(parent)
    return config, repo


def planned(synthesized, emulator_endpoint, prod_parent, layer: str) -> dict:
    config, repo = prod_parent
    directory = copy_stack(synthesized.stack_dir(f"{layer}-prod"), repo)
    point_at_emulator(directory, config, emulator_endpoint)
    terraform.init(directory)
    assert terraform.plan(directory) == terraform.CHANGES
    return terraform.show_json(directory)


@pytest.fixture(scope="module")
def prod_plan(synthesized, emulator_endpoint, prod_parent):
    return planned(synthesized, emulator_endpoint, prod_parent, "backend")


@pytest.fixture(scope="module")
def frontend_plan(synthesized, emulator_endpoint, prod_parent):
    return planned(synthesized, emulator_endpoint, prod_parent, "frontend")


def parent_outputs_read(plan: dict) -> dict:
    (reader,) = [
        r
        for r in plan["prior_state"]["values"]["root_module"].get("resources", [])
        if r["type"] == "terraform_remote_state"
    ]
    return reader["values"]["outputs"]


def test_plan_only_creates(prod_plan):
    actions = Counter(tuple(c["change"]["actions"]) for c in prod_plan["resource_changes"] if c["mode"] == "managed")
    assert set(actions) == {("create",)}, actions


def test_plan_creates_what_the_synth_declares(prod_plan, synthesized):
    planned = Counter(c["type"] for c in prod_plan["resource_changes"] if c["mode"] == "managed")
    assert dict(planned) == resource_counts(synthesized["backend-prod"])


def test_plan_reads_the_parent_outputs_by_name(prod_plan):
    outputs = parent_outputs_read(prod_plan)
    assert outputs["ecr_repository_name"] == "dailydesk-prod-backend"
    assert outputs["parameter_prefix"] == "/dailydesk/prod"


def test_frontend_plan_only_creates_what_the_synth_declares(frontend_plan, synthesized):
    changes = [c for c in frontend_plan["resource_changes"] if c["mode"] == "managed"]
    assert {tuple(c["change"]["actions"]) for c in changes} == {("create",)}
    assert dict(Counter(c["type"] for c in changes)) == resource_counts(synthesized["frontend-prod"])


def test_frontend_plan_reads_the_applied_parent_outputs(frontend_plan):
    outputs = parent_outputs_read(frontend_plan)
    assert outputs["deployment_topic_arn"] == "arn:aws:sns:us-east-1:444455556666:dailydesk-prod-deployments"
    assert outputs["parameter_values"]["frontend/env/api-url"] == "https://api.dailydesk.com/api"
    assert outputs["parameter_arns"]["frontend/env/api-url"].endswith(":parameter/dailydesk/prod/frontend/env/api-url")
