"""The engine's decisions that keep the deploy promise on every path, without Terraform:
the last good record tied to its state, out-of-band changes, a concurrent deploy, an
unrecorded success, a saved plan older than the pipeline's image."""

from __future__ import annotations

import io
import json

import pytest

from config import load_environment
from tools.deploy import engine as deploy
from tools.deploy import exit_codes, last_good, live_reads, rollback
from tools.deploy.last_good import Record, StateVersion, Unfinished
from tools.deploy.progress import Progress
from tools.deploy.steps import Applied, Context
from tools.deploy.workspace import Workspace
from tools.terraform.json_ui import ApplyLog

RECORDED = StateVersion("lineage-1", 7)
CONFIGURATION = {"resource": {"aws_sqs_queue": {"jobs": {}}}}


def record(state: StateVersion | None = RECORDED, unfinished: Unfinished | None = None) -> Record:
    return (
        last_good.new_record("backend-prod", CONFIGURATION, ("abc", False), state=state).left_unfinished(unfinished)
        if unfinished
        else last_good.new_record("backend-prod", CONFIGURATION, ("abc", False), state=state)
    )


def failed(before: StateVersion | None, after: StateVersion | None = None) -> rollback.FailedApply:
    return rollback.FailedApply(before=frozenset({"aws_sqs_queue.jobs"}), before_state=before, after_state=after)


# ------------------------------------------------ the record and the state it describes


def test_the_record_keeps_the_state_version_and_reads_the_format_before_it():
    written = record(unfinished=Unfinished(RECORDED, StateVersion("lineage-1", 9), ("aws_sqs_queue.jobs",)))
    assert Record.from_json(written.to_json()) == written
    older = json.loads(written.to_json())
    for key in ("state", "unfinished"):
        del older[key]
    older["format"] = 1
    assert Record.from_json(json.dumps(older)).state is None  # unknown: cannot be checked
    with pytest.raises(ValueError, match="unknown last good record format 3"):
        Record.from_json(json.dumps(older | {"format": 3}))


def test_state_version_of_a_state_document():
    assert StateVersion.of({"lineage": "l", "serial": 4, "resources": []}) == StateVersion("l", 4)
    assert StateVersion.of({}) is None  # no state written yet


def test_a_failed_apply_that_started_from_the_recorded_state_is_the_engines_own():
    assert rollback.out_of_band(record(), failed(RECORDED), StateVersion("lineage-1", 8)) is None


@pytest.mark.parametrize(
    "before",
    [StateVersion("lineage-1", 9), StateVersion("another-lineage", 7), None],
    ids=["serial-moved", "state-replaced", "state-emptied"],
)
def test_a_failed_apply_that_started_elsewhere_means_the_workspace_changed_outside(before):
    why = rollback.out_of_band(record(), failed(before), StateVersion("lineage-1", 12))
    assert why is not None and "the last good record expects serial 7 of lineage lineage-" in why


def test_make_rollback_tells_its_own_unfinished_apply_from_a_change_outside():
    left = StateVersion("lineage-1", 9)
    unfinished = Unfinished(RECORDED, left, ("aws_sqs_queue.jobs",))
    assert rollback.out_of_band(record(unfinished=unfinished), None, left) is None
    assert rollback.out_of_band(record(unfinished=unfinished), None, StateVersion("lineage-1", 10)) is not None
    assert rollback.out_of_band(record(), None, RECORDED) is None
    assert rollback.out_of_band(record(), None, left) is not None
    assert rollback.out_of_band(record(state=None), None, left) is None  # a format-1 record: as before


def test_the_rollback_may_remove_only_what_the_engines_apply_added():
    state_now = {"aws_sqs_queue.jobs": False, "aws_sqs_queue.new": False, "aws_sqs_queue.outside": False}
    before = (
        rollback.engine_before(record(), failed(RECORDED) | None)
        if False
        else frozenset({"aws_sqs_queue.jobs", "aws_sqs_queue.outside"})
    )
    exempt = rollback.exempt_from_guard(state_now, before, None)
    assert exempt == {"aws_sqs_queue.new"}  # what was there before the apply is never "created by it"


# ------------------------------------------------ the engine around an apply


@pytest.fixture
def applying(monkeypatch, tmp_path):
    """apply_plan of parent-local in tmp_path with Terraform, the rollback and AWS replaced."""
    workspace = Workspace(
        load_environment("local"), "parent", tmp_path / "repo" / "cdktf.out" / "stacks" / "parent-local"
    )
    prior = {"lineage": "lineage-1", "serial": 7, "resources": []}
    monkeypatch.setattr(deploy, "plan_contents", lambda plan_file, directory: (CONFIGURATION, prior))
    monkeypatch.setattr(deploy.terraform, "state_pull", lambda directory: {"lineage": "lineage-1", "serial": 8})
    monkeypatch.setattr(deploy, "after_apply", lambda workspace, configuration=None: [])
    handed: list[rollback.FailedApply | None] = []
    monkeypatch.setattr(
        deploy.rollback,
        "run",
        lambda workspace, context, *, timeout_seconds, failed, allowed=(): (
            handed.append(failed) or rollback.Outcome(rollback.ROLLBACK_COMPLETE)
        ),
    )

    def run(applied: Applied) -> tuple[int, str]:
        monkeypatch.setattr(deploy, "apply", lambda *args, **kwargs: applied)
        stream = io.StringIO()
        context = Context(progress=Progress(stream, live=False, log_dir=tmp_path / "logs"))
        return deploy.apply_plan(workspace, context, tmp_path / "tfplan", deploy.Options()), stream.getvalue()

    run.workspace, run.handed = workspace, handed
    return run


def test_success_records_the_state_it_left(applying):
    code, _ = applying(Applied(ApplyLog(), 0, 1.0, None))
    assert code == exit_codes.OK
    assert applying.workspace.store().read().state == StateVersion("lineage-1", 8)


def test_a_success_whose_record_could_not_be_written_says_so_with_its_own_code(applying, monkeypatch):
    def refuse(self, record):
        raise PermissionError("s3:PutObject denied")

    monkeypatch.setattr(last_good.FileStore, "write", refuse)
    code, output = applying(Applied(ApplyLog(), 0, 1.0, None))
    assert code == exit_codes.APPLIED_UNRECORDED == 7
    assert "but its last good configuration was NOT recorded" in output
    assert "s3:PutObject denied" in output
    assert "next: `make deploy STACK=parent-local` again (a plan without changes records it)" in output


def test_a_failed_apply_hands_the_rollback_the_states_before_and_after(applying):
    log = ApplyLog()
    log.feed(json.dumps({"type": "apply_start", "hook": {"resource": {"addr": "aws_x.a"}, "action": "create"}}))
    code, _ = applying(Applied(log, 1, 1.0, None))
    assert code == exit_codes.ROLLED_BACK
    (handed,) = applying.handed
    assert handed.before_state == StateVersion("lineage-1", 7)
    assert handed.after_state == StateVersion("lineage-1", 8)


# ------------------------------------------------ a saved plan older than the pipeline's image


def plan_state(image: str) -> dict:
    return {
        "resources": [
            {
                "mode": "data",
                "type": "aws_ecs_container_definition",
                "name": "api_deployed-container_69A726DB",
                "instances": [
                    {
                        "index_key": 0,
                        "attributes": {
                            "task_definition": "dailydesk-prod-api",
                            "container_name": "api",
                            "image": image,
                        },
                    }
                ],
            }
        ]
    }


class Ecs:
    def __init__(self, image: str) -> None:
        self.image = image
        self.asked: list[str] = []

    def describe_task_definition(self, taskDefinition: str) -> dict:  # noqa: N803 (boto3's name)
        self.asked.append(taskDefinition)
        return {"taskDefinition": {"containerDefinitions": [{"name": "api", "image": self.image}]}}


def test_a_plan_whose_image_the_pipeline_moved_is_stale():
    ecs = Ecs("repo:v2")
    (line,) = live_reads.moved_images(plan_state("repo:v1"), lambda: ecs)
    assert ecs.asked == ["dailydesk-prod-api"]  # the family: its latest revision, what the plan read
    assert line == (
        "data.aws_ecs_container_definition.api_deployed-container_69A726DB[0]: the plan read image repo:v1 of "
        "dailydesk-prod-api; its latest revision runs repo:v2 now"
    )
    assert live_reads.moved_images(plan_state("repo:v2"), lambda: ecs) == []


def test_a_plan_that_read_no_image_asks_nothing():
    assert live_reads.moved_images({"resources": []}, lambda: pytest.fail("asked ECS")) == []
