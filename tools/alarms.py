"""The backend's alarms: what the deploy summary shows, and what CloudWatch says about them.

    ./dailydesk alarms --env local   # name, state, threshold and evaluation of each alarm

`summary_lines(outputs)` renders the alarms from the backend workspace's outputs (the
`outputs` of its state, or `terraform output -json`): each alarm's name and what it
watches, and the topic they notify. The command reads the alarms back from CloudWatch
(DescribeAlarms on the environment's name prefix): the emulator for `local`, the
environment's account (AWS_PROFILE) otherwise. Neither starts jsii.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from tools.aws import environment_for
from tools.deploy import exit_codes
from tools.table import table
from workspace import alarms

COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def _value(output: Any) -> Any:
    """An output's value, from a state's or `terraform output -json`'s `{"value": ...}`."""
    return output.get("value") if isinstance(output, Mapping) else None


def summary_lines(outputs: Mapping[str, Any]) -> list[str]:
    """The alarms published by the backend workspace, one line each (name, what it
    watches) under a heading naming the topic; no lines when there are none."""
    names = _value(outputs.get("alarm_names")) or {}
    if not names:
        return []
    topic = _value(outputs.get("operations_topic_arn")) or "?"
    rows = [(names[purpose], _watches(purpose)) for purpose in sorted(names)]
    return [
        f"alarms: {len(rows)}, notifying {topic} (on ALARM and OK)",
        *(f"  {line}" for line in table(("alarm", "watches"), rows)),
    ]


def _watches(purpose: str) -> str:
    try:
        return alarms.watches(purpose)
    except (KeyError, ValueError):
        return f"({purpose})"


def describe(cloudwatch: Any, prefix: str) -> list[dict[str, Any]]:
    """The metric alarms whose names start with `prefix`, as DescribeAlarms returns them."""
    found: list[dict[str, Any]] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"]
    ):
        found.extend(page.get("MetricAlarms", []))
    return sorted(found, key=lambda alarm: alarm["AlarmName"])


def threshold(alarm: Mapping[str, Any]) -> str:
    """`> 5`, with the statistic or the expression it applies to."""
    comparison = COMPARISONS.get(alarm.get("ComparisonOperator", ""), alarm.get("ComparisonOperator", "?"))
    if alarm.get("Metrics"):
        measured = next((q.get("Expression") or q["Id"] for q in alarm["Metrics"] if q.get("ReturnData")), "?")
    else:
        measured = f"{alarm.get('Statistic', '?')} {alarm.get('MetricName', '?')}"
    return f"{measured} {comparison} {alarm.get('Threshold', 0):g}"


def evaluation(alarm: Mapping[str, Any]) -> str:
    period = alarm.get("Period") or next(
        (q["MetricStat"]["Period"] for q in alarm.get("Metrics", []) if "MetricStat" in q), "?"
    )
    required = alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods"))
    return f"{required} of {alarm.get('EvaluationPeriods')} x {period} s"


def render(found: Iterable[Mapping[str, Any]]) -> list[str]:
    rows = [(alarm["AlarmName"], alarm.get("StateValue", "?"), threshold(alarm), evaluation(alarm)) for alarm in found]
    return table(("alarm", "state", "threshold", "evaluation"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk alarms", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="environment name (config/environments/<env>.toml)")
    args = parser.parse_args(argv)
    config = environment_for(args.env, "read the alarms")
    if config is None:
        return exit_codes.ERROR
    from tools.aws import Clients

    prefix = config.namer.prefix
    found = describe(Clients(config)("cloudwatch"), prefix)
    where = config.emulator.endpoint if config.emulator else f"account {config.account_id}, {config.region}"
    print(f"alarms of {config.name} ({where}): {len(found)} named {prefix}*")
    if found:
        print("\n".join(render(found)))
    return exit_codes.OK


if __name__ == "__main__":
    sys.exit(main())
