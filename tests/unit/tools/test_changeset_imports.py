"""Plans that only import resources are changes (issue 20, section 6): a change-set row each,
exit 2, so CI applies them. `terraform_data` cannot be imported, so the plans here are written
by hand, shaped exactly as Terraform 1.11 writes them: `terraform show -json` puts the import
in `change.importing` of a `no-op` (or of the update that follows it), and `plan -json` streams
a `planned_change` whose action is `import`. Moves are proven on a real plan in
tests/engine/test_moves.py."""

from __future__ import annotations

import json

from tools.changeset import EXIT_CHANGES, IMPORT, MODIFY, from_planned_changes, parse_plan, render
from tools.terraform.json_ui import ApplyLog

QUEUE = "aws_sqs_queue.jobs_queue_1A2B3C4D"
LOGS = "aws_cloudwatch_log_group.api_logs_5E6F7A8B"
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/dailydesk-prod-jobs"


def resource_change(address: str, actions: list[str], before: dict, after: dict, importing: dict) -> dict:
    resource_type, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": resource_type,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": {},
            "before_sensitive": {"tags": {}},
            "after_sensitive": {"tags": {}},
            "importing": importing,
        },
    }


IMPORT_PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.11.4",
    "planned_values": {"root_module": {}},
    "resource_changes": [
        # import only: nothing changes in AWS, the state gains the queue
        resource_change(
            QUEUE,
            ["no-op"],
            {"id": QUEUE_URL, "name": "dailydesk-prod-jobs", "tags": {}},
            {"id": QUEUE_URL, "name": "dailydesk-prod-jobs", "tags": {}},
            {"id": QUEUE_URL},
        ),
        # import, then an update of what the configuration says differently
        resource_change(
            LOGS,
            ["update"],
            {"id": "/dailydesk/prod/api", "retention_in_days": 7, "tags": {}},
            {"id": "/dailydesk/prod/api", "retention_in_days": 30, "tags": {}},
            {"id": "/dailydesk/prod/api"},
        ),
    ],
    "configuration": {
        "root_module": {
            "resources": [
                {"address": LOGS, "mode": "managed", "expressions": {"retention_in_days": {"constant_value": 30}}}
            ]
        }
    },
}


def test_an_import_only_plan_is_a_change_set_row_and_exit_2():
    cs = parse_plan("backend-prod", {**IMPORT_PLAN, "resource_changes": IMPORT_PLAN["resource_changes"][:1]})
    (row,) = cs.changes
    assert (row.action, row.address, row.physical_id) == (IMPORT, QUEUE, QUEUE_URL)
    assert row.reason == f"imported (id {QUEUE_URL})"
    assert cs.exit_code == EXIT_CHANGES
    text = render(cs)
    assert text.startswith("Change set for backend-prod: 1 import")
    assert f"imported (id {QUEUE_URL})" in text


def test_an_import_with_an_update_is_a_modify_that_says_it_imports():
    cs = parse_plan("backend-prod", IMPORT_PLAN)
    rows = {c.address: c for c in cs.changes}
    assert rows[QUEUE].action == IMPORT
    assert rows[LOGS].action == MODIFY and rows[LOGS].changed == ("retention_in_days",)
    assert rows[LOGS].reason == "imported (id /dailydesk/prod/api)"
    assert cs.to_dict()["counts"] == {
        "Remove": 0, "Replace": 0, "Modify": 1, "Add": 0, "Forget": 0, "Move": 0, "Import": 1}  # fmt: skip


def test_the_streamed_plan_counts_an_import_too():
    """The engine's quiet deploys read `plan -json` (no `show -json`): its `import` action is a row."""
    log = ApplyLog()
    log.feed(json.dumps({
        "@level": "info", "@message": f"{QUEUE}: Plan to import", "@module": "terraform.ui", "type": "planned_change",
        "change": {"resource": {"addr": QUEUE, "module": "", "resource": QUEUE, "implied_provider": "aws",
                                "resource_type": "aws_sqs_queue", "resource_name": QUEUE.split(".")[1],
                                "resource_key": None},
                   "action": "import", "importing": {"id": QUEUE_URL}},
    }))  # fmt: skip
    cs = from_planned_changes("backend-prod", log.planned, log.planned_types)
    assert [(c.action, c.address) for c in cs.changes] == [(IMPORT, QUEUE)]
    assert cs.exit_code == EXIT_CHANGES
