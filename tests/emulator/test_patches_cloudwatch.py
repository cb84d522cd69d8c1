import pytest

from tests.emulator import aws

pytestmark = pytest.mark.emulator


def put_alarm(cloudwatch, threshold: float) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName="kept",
        Namespace="AWS/ApplicationELB",
        MetricName="UnHealthyHostCount",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=3,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
    )


def test_updating_an_alarm_keeps_the_state_it_was_set_to(emulator_endpoint):
    cloudwatch = aws("cloudwatch", emulator_endpoint)
    put_alarm(cloudwatch, 0)
    cloudwatch.set_alarm_state(AlarmName="kept", StateValue="ALARM", StateReason="tasks failing the health check")
    (before,) = cloudwatch.describe_alarms(AlarmNames=["kept"])["MetricAlarms"]

    put_alarm(cloudwatch, 1)

    (after,) = cloudwatch.describe_alarms(AlarmNames=["kept"], AlarmTypes=["MetricAlarm", "CompositeAlarm"])[
        "MetricAlarms"
    ]
    assert after["Threshold"] == 1
    assert (after["StateValue"], after["StateReason"]) == ("ALARM", "tasks failing the health check")
    assert after["StateUpdatedTimestamp"] == before["StateUpdatedTimestamp"]
    # Nothing evaluates it behind the test's back: it stays as set.
    assert cloudwatch.describe_alarms(AlarmNames=["kept"])["MetricAlarms"][0]["StateValue"] == "ALARM"
