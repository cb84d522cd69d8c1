"""The emulator's fault switch without a server: what a fault description may say, which call
it matches and how often, and error bodies that the AWS SDK's own parsers (botocore's, per
protocol) read back as the intended error code and message."""

from __future__ import annotations

import io
import json

import pytest
from botocore import parsers

from tools.emulator import faults
from tools.emulator.faults import Call, Fault, FaultError, Switch

SSM_PUT = "AWS4-HMAC-SHA256 Credential=test/20261130/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=x"


def environ(*, service: str, method: str = "POST", target: str | None = None, form: str | None = None,
            path: str = "/", query: str = "", body: bytes = b"", content_type: str = "") -> dict:  # fmt: skip
    data = form.encode() if form is not None else body
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_AUTHORIZATION": SSM_PUT.replace("/ssm/", f"/{service}/"),
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8" if form is not None else content_type,
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }
    if target:
        env["HTTP_X_AMZ_TARGET"] = target
    return env


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"code": "AccessDenied"}, "a fault needs `action`"),
        ({"action": "PutParameter"}, "give `code` (fail) or `hang_seconds` (hang)"),
        ({"action": "PutParameter", "code": "X", "status": 200}, "HTTP error status (400-599)"),
        ({"action": "PutParameter", "code": "X", "count": 0}, "`count` is the number of calls"),
        ({"action": "PutParameter", "hang_seconds": -1}, "`hang_seconds` is a number of seconds"),
        ({"action": "PutParameter", "code": "X", "colour": "red"}, "unknown fault field(s) colour"),
        (["not an object"], "a fault is a JSON object"),
        ({"action": "UpdateService", "rollout_fails": "api"}, "`rollout_fails` is a revision: family:revision"),
        ({"action": "PutParameter", "rollout_fails": "api:2"}, "a rollout fault belongs to CreateService or"),
        ({"action": "UpdateService", "rollout_fails": "api:2", "code": "X"}, "neither fails nor hangs the call"),
    ],
)
def test_bad_fault_descriptions_say_what_is_wrong(document, message):
    with pytest.raises(FaultError, match=message.replace("(", r"\(").replace(")", r"\)")):
        faults.parse_faults(document)


def test_a_fault_matches_its_action_for_its_count_then_is_gone():
    switch = Switch(faults.parse_faults([{"action": "PutParameter", "code": "AccessDeniedException", "count": 2}]))
    put, get = Call("ssm", "PutParameter", "json"), Call("ssm", "GetParameter", "json")
    assert switch.take(get, None) is None
    assert switch.take(put, None) is not None
    assert switch.listed()[0]["count"] == 1 and switch.listed()[0]["matched"] == 1
    assert switch.take(put, None) is not None
    assert switch.take(put, None) is None
    assert switch.listed() == []


def test_body_contains_and_service_narrow_a_fault():
    switch = Switch(
        faults.parse_faults(
            [
                {"action": "PutParameter", "code": "X", "count": None, "body_contains": '"/p/bad"', "service": "ssm"},
            ]
        )
    )
    call = Call("ssm", "PutParameter", "json")
    assert switch.wants_body(call)
    assert switch.take(call, b'{"Name":"/p/good"}') is None
    assert switch.take(Call("other", "PutParameter", "json"), b'{"Name":"/p/bad"}') is None
    for _ in range(3):  # count null: every matching call, until cleared
        assert switch.take(call, b'{"Name":"/p/bad","Value":"1"}') is not None
    switch.clear()
    assert switch.take(call, b'{"Name":"/p/bad"}') is None


def test_a_rollout_fault_answers_no_call_and_fails_the_deployment_of_its_revision():
    switch = Switch(faults.parse_faults([{"action": "UpdateService", "rollout_fails": "dailydesk-local-api:4"}]))
    arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/dailydesk-local-api:{}"
    assert switch.take(Call("ecs", "UpdateService", "json"), None) is None  # the call itself goes through
    assert switch.failing_rollout("UpdateService", arn.format(40)) is None
    assert switch.failing_rollout("CreateService", arn.format(4)) is None
    assert switch.failing_rollout("UpdateService", arn.format(4)) == faults.ROLLOUT_FAILED_MESSAGE
    assert switch.listed() == []  # count 1: used up
    assert switch.failing_rollout("UpdateService", arn.format(4)) is None


def test_calls_are_identified_per_protocol():
    json_call, body = faults.identify(
        environ(service="ssm", target="AmazonSSM.PutParameter", content_type="application/x-amz-json-1.1")
    )
    assert (json_call.service, json_call.action, json_call.protocol, body) == ("ssm", "PutParameter", "json", None)
    query_environ = environ(service="iam", form="Action=CreateRole&Version=2010-05-08&RoleName=r")
    query_call, body = faults.identify(query_environ)
    assert (query_call.action, query_call.protocol) == ("CreateRole", "query")
    assert query_environ["wsgi.input"].read() == body  # the body is put back for moto
    ec2_call, _ = faults.identify(environ(service="ec2", form="Action=CreateVpc&CidrBlock=10.0.0.0%2F16"))
    assert (ec2_call.action, ec2_call.protocol) == ("CreateVpc", "ec2")
    s3 = {
        ("PUT", "/bucket", "logging"): "PutBucketLogging",
        ("GET", "/bucket", "encryption"): "GetBucketEncryption",
        ("PUT", "/bucket", ""): "CreateBucket",
        ("PUT", "/bucket/key/part", ""): "PutObject",
        ("HEAD", "/bucket/key", ""): "HeadObject",
        ("GET", "/", ""): "ListBuckets",
    }
    for (method, path, query), action in s3.items():
        call, body = faults.identify(environ(service="s3", method=method, path=path, query=query))
        assert (call.action, call.protocol, body) == (action, "s3", None)


def parsed_error(protocol: str, status: str, headers: list[tuple[str, str]], body: bytes) -> dict:
    response = {"status_code": int(status.split(maxsplit=1)[0]), "headers": dict(headers), "body": body}
    return parsers.create_parser(protocol).parse(response, None)["Error"]


@pytest.mark.parametrize(
    ("call", "botocore_protocol"),
    [
        (Call("ssm", "PutParameter", "json", "application/x-amz-json-1.1"), "json"),
        (Call("sqs", "CreateQueue", "json", "application/x-amz-json-1.0"), "json"),
        (Call("iam", "CreateRole", "query"), "query"),
        (Call("elasticloadbalancing", "CreateLoadBalancer", "query"), "query"),
        (Call("ec2", "CreateVpc", "ec2"), "ec2"),
        (Call("s3", "PutBucketLogging", "s3"), "rest-xml"),
    ],
)
def test_error_bodies_read_back_as_the_intended_error(call, botocore_protocol):
    fault = Fault(action=call.action, code="AccessDenied", message="denied <by> a test & more", status=403)
    status, headers, body = faults.error_response(call, fault)
    assert status.startswith("403")
    error = parsed_error(botocore_protocol, status, headers, body)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "denied <by> a test & more")
    if call.protocol == "json":
        assert ("X-Amzn-ErrorType", "AccessDenied") in headers
        assert json.loads(body)["__type"] == "AccessDenied"


def test_s3_head_errors_have_no_body():
    fault = Fault(action="HeadObject", code="AccessDenied", status=403)
    _, headers, body = faults.error_response(Call("s3", "HeadObject", "s3"), fault, method="HEAD")
    assert body == b"" and ("Content-Length", "0") in headers


def test_faults_from_the_environment(monkeypatch):
    monkeypatch.delenv(faults.ENVIRONMENT_VARIABLE, raising=False)
    assert faults.from_environment().listed() == []
    monkeypatch.setenv(faults.ENVIRONMENT_VARIABLE, json.dumps([{"action": "CreateQueue", "code": "AccessDenied"}]))
    assert [f["action"] for f in faults.from_environment().listed()] == ["CreateQueue"]
