"""Reading Terraform's JSON UI, on real `-json` output recorded against the emulator
(tests/fixtures/terraform_json/README.md says how each file was made)."""

from __future__ import annotations

import json

from tools import changeset
from tools.paths import REPO_ROOT
from tools.terraform.json_ui import ApplyLog, parse_line, summary_text

RECORDED = REPO_ROOT / "tests" / "fixtures" / "terraform_json"
PLANS = REPO_ROOT / "tests" / "fixtures" / "plans"
EXTRA_ONE = "aws_ssm_parameter.parameters_extra_one_00000000"
EXTRA_TWO = "aws_ssm_parameter.parameters_extra_two_00000000"
JWT_EXPIRE = "aws_ssm_parameter.parameters_jwt_expire_6FF993E9"
GSM_BASE_URL = "aws_ssm_parameter.parameters_gsm_base_url_91B96F33"


def read(name: str) -> ApplyLog:
    log = ApplyLog()
    for line in (RECORDED / name).read_text().splitlines():
        log.feed(line)
    return log


def test_lines_that_are_not_ui_messages_are_skipped():
    assert parse_line("There are some problems with the CLI configuration:") is None
    assert parse_line("{not json") is None
    assert parse_line('{"no": "type"}') is None
    assert parse_line('{"type": "version", "terraform": "1.11.4"}') == {"type": "version", "terraform": "1.11.4"}


def test_failed_apply_names_the_first_failed_resource_with_the_api_error():
    log = read("parent-local-update-failed.apply.jsonl")
    failure = log.first_failure()
    assert failure is not None
    assert (failure.address, failure.action, failure.status) == (EXTRA_TWO, "create", "CREATE_FAILED")
    assert failure.resource_type == "aws_ssm_parameter"
    assert failure.error is not None and failure.error.address == EXTRA_TWO
    # The AWS error code and message, without the SDK's operation/request-id preamble.
    assert failure.error.api_error == "ValidationException: 1 validation error detected: injected"
    assert [f.address for f in log.failed_resources()] == [EXTRA_TWO]


def test_failed_apply_records_what_was_done_before_it_stopped():
    log = read("parent-local-update-failed.apply.jsonl")
    assert log.started_any
    assert log.plan_summary == {"add": 2, "change": 2, "import": 0, "remove": 0}
    # No final "Apply complete!" summary on failure: the counts come from the hooks.
    assert log.apply_summary is None
    assert log.counts() == {"add": 1, "change": 2, "remove": 0}
    assert summary_text(log.counts(), planned=False) == "1 added, 2 changed, 0 destroyed"
    assert set(log.completed) == {EXTRA_ONE, JWT_EXPIRE, GSM_BASE_URL}
    assert log.running == {}
    # Both creates started: the failed one may have left something behind.
    assert log.created_addresses() == {EXTRA_ONE, EXTRA_TWO}
    assert not log.interrupted and not log.stale_plan and not log.lock_held


def test_stale_saved_plan_is_recognised_and_changed_nothing():
    log = read("parent-local-stale.apply.jsonl")
    assert log.stale_plan
    assert not log.started_any
    assert log.first_failure() is None  # not a resource's failure


def test_lock_error_gives_the_holder():
    log = read("parent-local-locked.plan.jsonl")
    assert log.lock_held
    info = log.lock_info()
    assert info["Operation"] == "OperationTypeApply"
    assert info["Path"] == "../../../state/local/parent-local.tfstate"
    assert info["ID"] and info["Who"] and info["Created"]


def test_plan_messages_give_the_same_guard_as_the_full_plan():
    log = read("parent-local-replace_remove.plan.jsonl")
    assert log.planned == {GSM_BASE_URL: "delete", JWT_EXPIRE: "replace"}
    assert summary_text(log.plan_summary, planned=True) == "1 to add, 0 to change, 2 to destroy"
    from_messages = changeset.from_planned_changes("parent-local", log.planned, log.planned_types)
    full = changeset.parse_plan("parent-local", json.loads((PLANS / "parent-local-replace_remove.json").read_text()))
    assert [(c.action, c.address, c.type, c.guarded) for c in from_messages.changes] == [
        (c.action, c.address, c.type, c.guarded) for c in full.changes
    ]
    assert {c.address for c in from_messages.blocked} == {c.address for c in full.blocked} == {GSM_BASE_URL, JWT_EXPIRE}
    allowed = changeset.from_planned_changes(
        "parent-local", log.planned, log.planned_types, allowed=[GSM_BASE_URL, JWT_EXPIRE]
    )
    assert allowed.blocked == ()


def test_interrupt_and_cancelled_resource_are_read():
    log = ApplyLog()
    start = {
        "type": "apply_start",
        "hook": {"resource": {"addr": EXTRA_TWO, "resource_type": "aws_ssm_parameter"}, "action": "create"},
    }
    log.feed(json.dumps(start), now=5.0)
    log.feed(json.dumps({"type": "log", "@message": "\nInterrupt received.\nPlease wait for Terraform to exit"}))
    assert log.interrupted
    assert log.running == {EXTRA_TWO: ("create", 5.0)}
    assert log.created_addresses() == {EXTRA_TWO}


def test_an_error_without_address_goes_to_the_failure_without_one():
    """Terraform gives no address to the error of a resource no longer in the configuration
    (the rollback deleting what the failed apply created)."""
    log = read("parent-local-rollback-delete-failed.apply.jsonl")
    (failure,) = log.failed_resources()
    assert (failure.address, failure.status) == ("aws_ssm_parameter.parameters_extra_one_0000ONE", "DELETE_FAILED")
    assert failure.error is not None and failure.error.address is None
    assert failure.error.api_error == "AccessDeniedException: injected by the emulator's fault switch"
    assert log.counts() == {"add": 0, "change": 3, "remove": 0}
