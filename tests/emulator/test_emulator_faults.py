"""The fault switch on the launched emulator: set over its admin path (or the environment at
start), seen by boto3 as the AWS error of each protocol, counted, narrowed to one resource,
hung, and dropped when the client gives up (nothing is created behind its back)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from config.schema import Emulator
from tests.conftest import free_port
from tests.emulator import REGION
from tools.emulator import faults, server

pytestmark = pytest.mark.emulator

DENIED = {"code": "AccessDenied", "status": 403, "message": "denied by a test"}


def client(service: str, endpoint: str, **config: object):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}, **config),
        **Emulator.boto3_credentials(),
    )


@pytest.fixture(autouse=True)
def cleared(emulator_endpoint):
    faults.clear_faults(emulator_endpoint)
    yield
    faults.clear_faults(emulator_endpoint)


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def test_admin_path_adds_lists_and_clears(emulator_endpoint):
    assert faults.list_faults(emulator_endpoint) == []
    listed = faults.set_faults(emulator_endpoint, {"action": "CreateQueue", **DENIED})
    assert [(f["action"], f["code"], f["count"]) for f in listed] == [("CreateQueue", "AccessDenied", 1)]
    faults.clear_faults(emulator_endpoint)
    assert faults.list_faults(emulator_endpoint) == []
    request = urllib.request.Request(
        emulator_endpoint + faults.FAULTS_PATH, data=b'{"action": "CreateQueue"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert "give `code` (fail) or `hang_seconds` (hang)" in json.loads(refused.value.read())["error"]


def test_each_protocol_answers_the_aws_error_once(emulator_endpoint):
    faults.set_faults(
        emulator_endpoint,
        {"action": "PutParameter", "code": "AccessDeniedException", "message": "denied by a test"},
        {"action": "CreateQueue", "code": "AccessDeniedException", "message": "denied by a test"},
        {"action": "CreateRole", **DENIED},
        {"action": "CreateVpc", "code": "UnauthorizedOperation", "status": 403, "message": "denied by a test"},
        {"action": "PutBucketLogging", **DENIED},
    )
    ssm, sqs, iam = client("ssm", emulator_endpoint), client("sqs", emulator_endpoint), client("iam", emulator_endpoint)
    ec2, s3 = client("ec2", emulator_endpoint), client("s3", emulator_endpoint)
    s3.create_bucket(Bucket="faults-test")
    cases = {
        "ssm (JSON 1.1)": (lambda: ssm.put_parameter(Name="/f/p", Value="v", Type="String"), "AccessDeniedException"),
        "sqs (JSON 1.0)": (lambda: sqs.create_queue(QueueName="faults-test"), "AccessDeniedException"),
        "iam (query)": (lambda: iam.create_role(RoleName="faults-test", AssumeRolePolicyDocument="{}"), "AccessDenied"),
        "ec2": (lambda: ec2.create_vpc(CidrBlock="10.91.0.0/16"), "UnauthorizedOperation"),
        "s3 (REST XML)": (
            lambda: s3.put_bucket_logging(Bucket="faults-test", BucketLoggingStatus={}),
            "AccessDenied",
        ),
    }
    for what, (call, code) in cases.items():
        error = error_of(call)
        assert (error["Code"], error["Message"]) == (code, "denied by a test"), what
    assert faults.list_faults(emulator_endpoint) == []  # each was for one call
    for call, _ in cases.values():
        call()  # the next call is moto's again


def test_body_contains_fails_only_the_named_resource(emulator_endpoint):
    faults.set_faults(
        emulator_endpoint,
        {"action": "PutParameter", "code": "ValidationException", "count": None, "body_contains": '"/f/bad"'},
    )
    ssm = client("ssm", emulator_endpoint)
    ssm.put_parameter(Name="/f/good", Value="v", Type="String")
    ssm.put_parameter(Name="/f/bad-not-quite", Value="v", Type="String")
    for _ in range(2):
        assert error_of(lambda: ssm.put_parameter(Name="/f/bad", Value="v", Type="String"))["Code"] == (
            "ValidationException"
        )
    assert faults.list_faults(emulator_endpoint)[0]["matched"] == 2


def test_a_hang_delays_the_call_then_moto_answers(emulator_endpoint):
    faults.set_faults(emulator_endpoint, {"action": "CreateQueue", "hang_seconds": 2})
    started = time.monotonic()
    url = client("sqs", emulator_endpoint).create_queue(QueueName="faults-slow")["QueueUrl"]
    assert time.monotonic() - started >= 2
    assert url.endswith("/faults-slow")


def test_a_hung_call_whose_client_gives_up_is_never_executed(emulator_endpoint):
    faults.set_faults(emulator_endpoint, {"action": "CreateQueue", "hang_seconds": 3})
    impatient = client("sqs", emulator_endpoint, read_timeout=1, connect_timeout=1)
    with pytest.raises(ReadTimeoutError):
        impatient.create_queue(QueueName="faults-abandoned")
    time.sleep(4)  # past the hang: had the call gone on, the queue would exist now
    assert "QueueUrls" not in client("sqs", emulator_endpoint).list_queues(QueueNamePrefix="faults-abandoned")


def test_reset_clears_faults(emulator_endpoint):
    faults.set_faults(emulator_endpoint, {"action": "CreateQueue", **DENIED})
    server.reset(emulator_endpoint)
    assert faults.list_faults(emulator_endpoint) == []


def test_faults_from_the_environment_at_start(monkeypatch):
    monkeypatch.setenv(faults.ENVIRONMENT_VARIABLE, json.dumps([{"action": "CreateQueue", **DENIED}]))
    port = free_port()
    assert server.start_background("127.0.0.1", port)
    try:
        endpoint = server.endpoint_of("127.0.0.1", port)
        assert [f["action"] for f in faults.list_faults(endpoint)] == ["CreateQueue"]
        assert error_of(lambda: client("sqs", endpoint).create_queue(QueueName="q"))["Code"] == "AccessDenied"
    finally:
        server.stop("127.0.0.1", port)
