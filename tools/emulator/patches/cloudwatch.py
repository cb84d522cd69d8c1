"""CloudWatch: an alarm's state is CloudWatch's, not reset by updating the alarm."""

from __future__ import annotations

from typing import Any

from tools.emulator.patches import patch

# What an alarm's state is made of (moto's Alarm attributes).
STATE_ATTRIBUTES = ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history")


@patch("cloudwatch", "PutMetricAlarm", "DescribeAlarms")
def updating_an_alarm_keeps_its_state() -> None:
    """PutMetricAlarm of an alarm that exists replaces its configuration and leaves its state
    (value, reason, since when, history) as it was, and DescribeAlarms reports that state, as
    AWS documents ("When you update an existing alarm, its state is left unchanged"); moto
    built a new alarm in state OK.

    The deploy engine's rollback triggers (tools/deploy/watch.py) read the state of the
    backend's alarms during and after an apply that may update those alarms; in the emulator
    the state changes only by `SetAlarmState` (moto evaluates no metric), so a state set by a
    test must survive the apply. (Nothing else re-evaluates it: moto has no alarm evaluation.)
    """
    from moto.cloudwatch.models import Alarm, CloudWatchBackend

    original = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Alarm:
        previous = self.alarms.get(kwargs["name"] if "name" in kwargs else args[0])
        alarm = original(self, *args, **kwargs)
        if previous is not None:
            for attribute in STATE_ATTRIBUTES:
                setattr(alarm, attribute, getattr(previous, attribute))
        return alarm

    setattr(CloudWatchBackend, "put_metric_alarm", put_metric_alarm)
