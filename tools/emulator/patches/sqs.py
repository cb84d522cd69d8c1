"""SQS: queue attributes read back as AWS writes them."""

from __future__ import annotations

import json

from tools.emulator.patches import patch


@patch("sqs", "GetQueueAttributes")
def redrive_policy_compact_json() -> None:
    """GetQueueAttributes returns `RedrivePolicy` as compact JSON
    (`{"deadLetterTargetArn":"…","maxReceiveCount":5}`), as AWS does.

    moto re-serialised it with spaces; the provider compares the string it wrote with the
    one read back, so the main queue's dead-letter policy showed a permanent diff (and its
    create waited for the attributes to "propagate").
    """
    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self) -> dict:
        result = original.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    Queue.attributes = property(attributes)
