"""The change set and the guard, on real `terraform show -json` plans of parent-local
recorded against the emulator (tests/fixtures/plans/README.md says how)."""

from __future__ import annotations

import json

import pytest

from tests.synth import resources
from tools import changeset
from tools.changeset import (
    ADD,
    EXIT_BLOCKED,
    EXIT_CHANGES,
    EXIT_NO_CHANGES,
    MODIFY,
    REMOVE,
    REPLACE,
    parse_plan,
    render,
)
from tools.deploy import engine
from tools.deploy.steps import Planned
from tools.deploy.workspace import construct_paths
from tools.paths import REPO_ROOT
from tools.terraform.json_ui import ApplyLog
from workspace.protection import STATEFUL_RESOURCE_TYPES

PLANS = REPO_ROOT / "tests" / "fixtures" / "plans"
CPU_TARGET = "aws_ssm_parameter.parameters_fargate_auto_scaling_cpu_target_percent_FFFD3CA0"
DESIRED_COUNT = "aws_ssm_parameter.parameters_fargate_desired_count_DC210517"
RENAMED = "aws_ssm_parameter.parameters_jwt_expire_6FF993E9"
REMOVED = "aws_ssm_parameter.parameters_gsm_base_url_91B96F33"


def recorded(name: str) -> dict:
    return json.loads((PLANS / f"parent-local-{name}.json").read_text())


@pytest.fixture(scope="module")
def paths(synthesized) -> dict[str, str]:
    return construct_paths(synthesized["parent-local"])


def by_address(cs: changeset.ChangeSet) -> dict[str, changeset.ResourceChange]:
    return {c.address: c for c in cs.changes}


def test_no_op_plan_is_an_empty_change_set(paths):
    cs = parse_plan("parent-local", recorded("noop"), paths=paths)
    assert cs.changes == ()
    assert cs.output_changes == ()
    assert cs.exit_code == EXIT_NO_CHANGES
    assert render(cs) == "Change set for parent-local: no resource changes"


def test_first_plan_adds_every_resource_with_its_construct_path(paths, synthesized):
    cs = parse_plan("parent-local", recorded("add"), paths=paths)
    stack = synthesized["parent-local"]
    expected = sum(len(items) for items in stack["resource"].values())
    assert expected == 48  # 46 CDK parameters, the KMS key and its alias
    assert len(cs.changes) == expected
    assert {c.action for c in cs.changes} == {ADD}
    assert all(c.physical_id is None for c in cs.changes)
    email = by_address(cs)["aws_ssm_parameter.parameters_admin_email_A7DF1126"]
    assert email.logical_id == "parent-local/parameters/admin_email"
    assert email.type == "aws_ssm_parameter"
    # Additions are never blocked, stateful or not.
    assert cs.blocked == ()
    assert cs.exit_code == EXIT_CHANGES
    assert cs.counts()[ADD] == 48


def test_in_place_change_is_modify_with_the_changed_attribute_only(paths):
    cs = parse_plan("parent-local", recorded("modify"), paths=paths)
    rows = by_address(cs)
    assert sorted(rows) == [CPU_TARGET, DESIRED_COUNT]
    cpu = rows[CPU_TARGET]
    assert cpu.action == MODIFY
    assert cpu.logical_id == "parent-local/parameters/fargate_auto_scaling_cpu_target_percent"
    assert cpu.physical_id == "/dailydesk/local/fargate/auto-scaling/cpu-target-percent"
    # `version` and `insecure_value` are computed, "known after apply" on every update: not the change.
    assert cpu.changed == ("value",)
    assert cpu.forces_replacement == ()
    assert rows[DESIRED_COUNT].changed == ("value",)
    assert cs.output_changes == ("parameter_values",)
    assert cs.blocked == ()
    assert cs.exit_code == EXIT_CHANGES


def test_rename_is_replace_and_a_dropped_resource_is_remove(paths):
    cs = parse_plan("parent-local", recorded("replace_remove"), paths=paths)
    rows = by_address(cs)
    assert sorted(rows) == [REMOVED, RENAMED]
    renamed = rows[RENAMED]
    assert renamed.action == REPLACE
    assert renamed.forces_replacement == ("name",)
    assert renamed.reason == "replace_because_cannot_update"
    assert renamed.physical_id == "/dailydesk/local/jwt-expire"
    assert "name" in renamed.changed
    removed = rows[REMOVED]
    assert removed.action == REMOVE
    assert removed.physical_id == "/dailydesk/local/gsm/base-url"
    assert removed.reason == "delete_because_no_resource_config"
    # The recorded plan dropped it from a copy of this synth, so the synth still names it...
    assert removed.logical_id == "parent-local/parameters/gsm_base_url"
    # ...but a plan read without the synth that had it names it by its address.
    assert by_address(parse_plan("parent-local", recorded("replace_remove")))[REMOVED].logical_id == REMOVED
    assert [c.action for c in cs.changes] == [REMOVE, REPLACE]


def test_guard_blocks_unnamed_removal_and_replacement_of_stateful_resources(paths):
    cs = parse_plan("parent-local", recorded("replace_remove"), paths=paths)
    assert {c.address for c in cs.blocked} == {RENAMED, REMOVED}
    assert cs.exit_code == EXIT_BLOCKED
    text = render(cs)
    assert "BLOCKED: this plan destroys or replaces 2 stateful resource(s)" in text
    assert f"--allow {RENAMED}" in text and f"--allow {REMOVED}" in text


def test_guard_needs_every_guarded_address_named(paths):
    one = parse_plan("parent-local", recorded("replace_remove"), paths=paths, allowed=[RENAMED])
    assert [c.address for c in one.blocked] == [REMOVED]
    assert one.exit_code == EXIT_BLOCKED
    both = parse_plan("parent-local", recorded("replace_remove"), paths=paths, allowed=[RENAMED, REMOVED])
    assert both.blocked == ()
    assert both.exit_code == EXIT_CHANGES
    assert f"allowed by the operator: Replace {RENAMED}" in render(both)


def test_guard_reads_the_one_list_in_protection(paths, monkeypatch):
    monkeypatch.setattr(changeset, "STATEFUL_RESOURCE_TYPES", frozenset({"aws_kms_key"}))
    cs = parse_plan("parent-local", recorded("replace_remove"), paths=paths)
    assert cs.blocked == ()
    assert cs.exit_code == EXIT_CHANGES


def test_guarded_types_cover_the_stateful_resources_of_the_issue():
    assert {
        "aws_elasticache_replication_group",
        "aws_lb",
        "aws_ecr_repository",
        "aws_cloudwatch_log_group",
        "aws_ssm_parameter",
        "aws_s3_bucket",
        "aws_kms_key",
        # The deployment topic (hand-made subscriptions) and the jobs' dead-letter queues.
        "aws_sns_topic",
        "aws_sqs_queue",
    } <= STATEFUL_RESOURCE_TYPES


def backend_plan(*changes: tuple[str, str, list[str]]) -> dict:
    """A `terraform show -json` plan of backend-local with the given (type, name, actions)."""
    return {
        "resource_changes": [
            {
                "address": f"{rtype}.{name}",
                "mode": "managed",
                "type": rtype,
                "name": name,
                "change": {"actions": actions, "before": {"id": name}, "after": None if actions == ["delete"] else {}},
            }
            for rtype, name, actions in changes
        ]
    }


def test_guard_blocks_removing_the_deployment_topic_or_a_dead_letter_queue(synthesized):
    paths = construct_paths(synthesized["backend-local"])
    topic = next(a for a, p in paths.items() if p.endswith("/deployment-topic/topic"))
    queue = next(a for a, p in paths.items() if p.endswith("/job-reset-queue/dead-letter-queue"))
    plan = backend_plan(
        ("aws_sns_topic", topic.split(".")[1], ["delete"]), ("aws_sqs_queue", queue.split(".")[1], ["delete"])
    )
    cs = parse_plan("backend-local", plan, paths=paths)
    assert {c.address for c in cs.blocked} == {topic, queue}
    assert cs.exit_code == EXIT_BLOCKED
    assert parse_plan("backend-local", plan, paths=paths, allowed=[topic, queue]).exit_code == EXIT_CHANGES


def test_replacing_redis_for_its_new_key_needs_the_operators_allow(synthesized):
    """A group deployed before `kms_key_id` is replaced (the key is chosen at creation):
    the guard holds that plan until the operator names the group."""
    paths = construct_paths(synthesized["backend-dev"])
    redis = next(a for a, p in paths.items() if p.endswith("/redis/replication-group"))
    plan = backend_plan(("aws_elasticache_replication_group", redis.split(".")[1], ["delete", "create"]))
    cs = parse_plan("backend-dev", plan, paths=paths)
    assert [(c.action, c.address) for c in cs.blocked] == [(REPLACE, redis)]
    assert parse_plan("backend-dev", plan, paths=paths, allowed=[redis]).blocked == ()


@pytest.mark.parametrize(("stack", "prevent"), [("parent-prod", True), ("parent-local", False)])
def test_stateful_resources_carry_prevent_destroy_from_config(synthesized, stack, prevent):
    parameters = resources(synthesized[stack], "aws_ssm_parameter")
    assert parameters
    assert {p["lifecycle"]["prevent_destroy"] for p in parameters.values()} == {prevent}
    key = next(iter(resources(synthesized[stack], "aws_kms_key").values()))
    assert key["lifecycle"]["prevent_destroy"] is prevent


def test_table_has_one_row_per_change_with_action_path_type_and_physical_id(paths):
    lines = render(parse_plan("parent-local", recorded("modify"), paths=paths)).splitlines()
    assert lines[0] == "Change set for parent-local: 2 modify"
    assert lines[1].split()[:3] == ["Action", "Logical", "ID"]
    row = next(line for line in lines if "cpu_target_percent" in line).split()
    assert row == [
        "Modify",
        "parent-local/parameters/fargate_auto_scaling_cpu_target_percent",
        "aws_ssm_parameter",
        "/dailydesk/local/fargate/auto-scaling/cpu-target-percent",
        "value",
    ]


def test_values_never_reach_the_output(paths):
    # The plan holds the old and new values (70 -> 60); the change set names attributes only.
    cs = parse_plan("parent-local", recorded("modify"), paths=paths)
    text = render(cs) + json.dumps(cs.to_dict())
    assert '"60"' not in text and '"70"' not in text


def recorded_backend(step: str) -> dict:
    return json.loads((PLANS / f"backend-local-{step}.json").read_text())


def test_a_rollout_replaces_the_task_definition_and_moves_the_service_without_a_note():
    cs = parse_plan("backend-local", recorded_backend("size"))
    rows = {c.type: c for c in cs.changes}
    assert sorted(rows) == ["aws_ecs_service", "aws_ecs_task_definition"]
    assert rows["aws_ecs_task_definition"].action == REPLACE
    assert {"cpu", "memory"} <= set(rows["aws_ecs_task_definition"].forces_replacement)
    assert (rows["aws_ecs_service"].action, rows["aws_ecs_service"].changed) == (MODIFY, ("task_definition",))
    assert cs.notes == ()


def test_a_service_moving_to_an_unchanged_task_definition_is_noted(synthesized):
    # Recorded after the circuit breaker put the service back on the last good revision:
    # the failed revision is still the latest, and the task definition tracks it.
    cs = parse_plan(
        "backend-local", recorded_backend("circuit-breaker"), paths=construct_paths(synthesized["backend-local"])
    )
    (service,) = cs.changes
    assert (service.type, service.action, service.changed) == ("aws_ecs_service", MODIFY, ("task_definition",))
    (note,) = cs.notes
    assert note.startswith("note: backend-local/api/service ")
    assert "circuit breaker" in note
    assert note in render(cs).splitlines()
    assert cs.to_dict()["notes"] == [note]
    assert cs.exit_code == EXIT_CHANGES


def test_json_document_and_exit_code_of_main(tmp_path, monkeypatch, synthesized):
    """`make changeset` plans through the engine's review path (as `make plan`/`make diff`)."""
    plans = {"parent-local": recorded("modify"), "frontend-local": recorded("replace_remove")}
    locks = []
    for stack in plans:
        (tmp_path / "stacks" / stack).mkdir(parents=True)
        (tmp_path / "stacks" / stack / "cdk.tf.json").write_text(json.dumps(synthesized[stack]))

    def fake_plan(workspace, context, *, lock, plan_file=None, **_):
        locks.append(lock)
        return Planned(plan_file, True, ApplyLog())

    monkeypatch.setattr(engine, "init", lambda workspace, context: None)
    monkeypatch.setattr(engine, "plan", fake_plan)
    monkeypatch.setattr(engine.terraform, "show_json", lambda directory, plan_file: plans[directory.name])
    out = tmp_path / "changes.json"
    code = engine.main(
        ["changeset", "parent-local", "frontend-local", "--skip-synth", "--outdir", str(tmp_path), "--json", str(out)]
    )
    assert code == EXIT_BLOCKED
    assert locks == [False, False]  # a change set is a review: it never takes the state lock
    document = json.loads(out.read_text())
    assert [d["stack"] for d in document] == ["parent-local", "frontend-local"]
    assert document[0]["status"] == "changes"
    assert document[0]["counts"][MODIFY] == 2
    cpu = next(c for c in document[0]["changes"] if c["address"] == CPU_TARGET)
    assert cpu | {"reason": None} == {
        "action": "Modify",
        "address": CPU_TARGET,
        "logical_id": "parent-local/parameters/fargate_auto_scaling_cpu_target_percent",
        "type": "aws_ssm_parameter",
        "physical_id": "/dailydesk/local/fargate/auto-scaling/cpu-target-percent",
        "changed": ["value"],
        "forces_replacement": [],
        "reason": None,
        "guarded": False,
        "blocked": False,
    }
    assert document[1]["status"] == "blocked"
    assert {c["address"] for c in document[1]["changes"] if c["blocked"]} == {RENAMED, REMOVED}


def test_unknown_stack_is_an_error(capsys):
    assert engine.main(["changeset", "nope-prod", "--skip-synth"]) == changeset.EXIT_ERROR
    assert "unknown stack" in capsys.readouterr().err
