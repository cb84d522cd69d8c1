"""tools/alarms.py: the deploy summary's lines from the backend outputs, and the table of
the alarms as CloudWatch describes them (a fake client here; the emulator test reads real ones)."""

from __future__ import annotations

import pytest

from tools import alarms
from tools.deploy import exit_codes
from workspace import alarms as kinds

TOPIC = "arn:aws:sns:us-east-1:123456789012:dailydesk-local-operations"


def outputs(names: dict[str, str]) -> dict:
    """The backend state's `outputs`, as the state file (and `terraform output -json`) hold them."""
    return {
        "alarm_names": {"value": names, "type": ["map", "string"]},
        "operations_topic_arn": {"value": TOPIC, "type": "string"},
        "cluster_name": {"value": "dailydesk-local-cluster", "type": "string"},
    }


def test_summary_names_each_alarm_with_what_it_watches_and_the_topic():
    lines = alarms.summary_lines(
        outputs(
            {
                "redis-memory/002": "dailydesk-local-redis-memory-002",
                "dead-letter-queue/reset-queue": "dailydesk-local-dead-letter-queue-reset-queue",
                "http-5xx-rate": "dailydesk-local-http-5xx-rate",
            }
        )
    )
    assert lines[0] == f"alarms: 3, notifying {TOPIC} (on ALARM and OK)"
    assert lines[1].split() == ["alarm", "watches"]
    rows = lines[2:]
    # Sorted by purpose, names padded into one column, the words of workspace.alarms.
    assert [row.split()[0] for row in rows] == [
        "dailydesk-local-dead-letter-queue-reset-queue",
        "dailydesk-local-http-5xx-rate",
        "dailydesk-local-redis-memory-002",
    ]
    assert rows[0].endswith("failed calls of the cron job reset-queue waiting in its dead-letter queue")
    assert rows[2].endswith("used memory of Redis node 002 (percent of maxmemory)")
    assert len({row.index(row.split()[1]) for row in rows}) == 1


def test_summary_is_empty_without_published_alarms():
    assert alarms.summary_lines({}) == []
    assert alarms.summary_lines({"alarm_names": {"value": {}}}) == []


def test_summary_shows_an_unknown_purpose_as_it_is():
    lines = alarms.summary_lines(outputs({"disk-full": "dailydesk-local-disk-full"}))
    assert lines[-1].split() == ["dailydesk-local-disk-full", "(disk-full)"]


@pytest.mark.parametrize(
    ("purpose", "words"),
    [
        ("service-cpu", "average CPU utilization of the API service (percent)"),
        ("redis-evictions/001", "keys evicted on Redis node 001"),
        ("unhealthy-targets", "API tasks failing the target group's health check"),
    ],
)
def test_every_purpose_reads_as_words(purpose, words):
    assert kinds.watches(purpose) == words


@pytest.mark.parametrize("purpose", ["service-cpu/001", "redis-memory", "nope"])
def test_a_purpose_must_match_its_kind(purpose):
    with pytest.raises((KeyError, ValueError)):
        kinds.watches(purpose)


class FakeCloudWatch:
    """DescribeAlarms as a paginator over pages, recording the request."""

    def __init__(self, pages: list[list[dict]]) -> None:
        self.pages = pages
        self.requests: list[dict] = []

    def get_paginator(self, operation: str):
        assert operation == "describe_alarms"
        return self

    def paginate(self, **request):
        self.requests.append(request)
        return [{"MetricAlarms": page, "CompositeAlarms": []} for page in self.pages]


SINGLE = {
    "AlarmName": "dailydesk-local-service-cpu",
    "StateValue": "OK",
    "MetricName": "CPUUtilization",
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 3,
    "Threshold": 90.0,
    "ComparisonOperator": "GreaterThanThreshold",
}
MATH = {
    "AlarmName": "dailydesk-local-http-5xx-rate",
    "StateValue": "ALARM",
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 2,
    "Threshold": 5.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "Metrics": [
        {"Id": "rate", "Expression": "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests", "ReturnData": True},
        {"Id": "requests", "MetricStat": {"Period": 60, "Stat": "Sum"}, "ReturnData": False},
    ],
}


def test_describe_reads_every_page_of_the_prefix_sorted_by_name():
    client = FakeCloudWatch([[SINGLE], [MATH]])
    found = alarms.describe(client, "dailydesk-local-")
    assert [a["AlarmName"] for a in found] == ["dailydesk-local-http-5xx-rate", "dailydesk-local-service-cpu"]
    assert client.requests == [{"AlarmNamePrefix": "dailydesk-local-", "AlarmTypes": ["MetricAlarm"]}]


def test_render_shows_state_threshold_and_evaluation():
    header, math, single = alarms.render([MATH, SINGLE])
    assert header.split() == ["alarm", "state", "threshold", "evaluation"]
    assert math.split()[:2] == ["dailydesk-local-http-5xx-rate", "ALARM"]
    assert "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests > 5" in math
    assert math.endswith("2 of 3 x 60 s")
    assert single.split()[:2] == ["dailydesk-local-service-cpu", "OK"]
    assert "Average CPUUtilization > 90" in single
    assert single.endswith("3 of 3 x 300 s")


def test_main_names_a_bad_environment():
    assert alarms.main(["--env", "qa"]) == exit_codes.ERROR
