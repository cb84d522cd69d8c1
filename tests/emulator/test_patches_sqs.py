import json

import pytest

from tests.emulator import aws

pytestmark = pytest.mark.emulator


def test_redrive_policy_reads_back_compact(emulator_endpoint):
    sqs = aws("sqs", emulator_endpoint)
    dlq_url = sqs.create_queue(QueueName="redrive-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    written = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}, separators=(",", ":"))
    url = sqs.create_queue(QueueName="redrive-main", Attributes={"RedrivePolicy": written})["QueueUrl"]
    read = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert read == written
