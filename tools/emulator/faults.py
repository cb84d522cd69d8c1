"""The emulator's fault switch: make one AWS API action fail, or hang, on its next calls.

Tests of the deploy engine need an apply that fails part-way, a rollback that fails, a
call that hangs; moto answers everything it implements. A fault names an action
(`PutParameter`, `CreateQueue`, `PutBucketLogging`) and says what the next `count` calls of
it get instead of moto's answer:

    {"action": "PutParameter", "code": "AccessDeniedException", "message": "denied by a test",
     "status": 400, "count": 1, "body_contains": "/dailydesk/local/jwt-expire"}
    {"action": "PutParameter", "hang_seconds": 60}                 # slow, then moto answers
    {"action": "DeleteParameter", "hang_seconds": 30, "code": "AccessDeniedException"}

`body_contains` narrows a fault to the calls whose request body holds the text (the name
of one resource: fail the create of exactly that one). `service` (the SigV4 signing name:
`ssm`, `sqs`, `s3`, `elasticloadbalancing`, ...) narrows it to one API. `count: null` keeps
the fault until it is cleared. A hung call whose client gives up (Terraform interrupted)
is dropped, never executed: nothing appears in the emulator behind the client's back.

A rollout fault answers no call: it makes the ECS deployment of one task-definition revision
fail its rollout, as tasks that never become healthy make ECS's circuit breaker do (the
breaker then puts the previous revision back; tools/emulator/patches/ecs.py). `message` is the
deployment's `rolloutStateReason`:

    {"action": "UpdateService", "rollout_fails": "dailydesk-local-api:4"}   # family:revision or ARN

Prefer a 4xx code that is not throttling (AccessDeniedException, ValidationException,
AccessDenied, UnauthorizedOperation): the AWS SDK retries throttling codes and every 5xx
up to 25 times with back-off, so those make Terraform wait, not fail.

Off by default. Set over HTTP on the running emulator (`POST /dailydesk-emulator/faults` with
one fault or a list, `GET` lists them, `DELETE` clears them; `./dailydesk emulator faults
…`), or with `DAILYDESK_EMULATOR_FAULTS` (a JSON list) when the emulator starts. A reset of
the emulator (`/moto-api/reset`) clears them too. Only `tools/emulator/server.py` installs
this module; `tests/unit/test_architecture.py` proves no module outside tools/emulator imports it.

The error bodies follow each protocol, as AWS (and moto) write them: JSON (`__type` and
`X-Amzn-ErrorType`; SQS's query-compatible header), query XML (`ErrorResponse`), EC2
(`Response/Errors`), S3 (`Error`, no body for HEAD).
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

FAULTS_PATH = "/dailydesk-emulator/faults"
ENVIRONMENT_VARIABLE = "DAILYDESK_EMULATOR_FAULTS"
DEFAULT_STATUS = 400
DEFAULT_MESSAGE = "injected by the emulator's fault switch"
# The actions that start an ECS deployment, and what ECS says when the circuit breaker trips.
ROLLOUT_ACTIONS = ("CreateService", "UpdateService")
ROLLOUT_FAILED_MESSAGE = "ECS deployment circuit breaker: tasks failed to start."
# Bodies larger than this are never read to match `body_contains` (S3 uploads).
MAX_MATCHED_BODY_BYTES = 1 << 20
HANG_POLL_SECONDS = 0.25

# Query-protocol services: the XML namespace of their error documents.
QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    "elasticache": "http://elasticache.amazonaws.com/doc/2015-02-02/",
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
}
# S3 (REST): the API name of a request with a sub-resource in its query string.
S3_SUBRESOURCE_ACTIONS = {
    (method, key): f"{verb}Bucket{name}"
    for key, name in {
        "acl": "Acl",
        "cors": "Cors",
        "encryption": "Encryption",
        "lifecycle": "LifecycleConfiguration",
        "logging": "Logging",
        "notification": "NotificationConfiguration",
        "ownershipControls": "OwnershipControls",
        "policy": "Policy",
        "publicAccessBlock": "PublicAccessBlock",
        "replication": "Replication",
        "tagging": "Tagging",
        "versioning": "Versioning",
        "website": "Website",
        "accelerate": "AccelerateConfiguration",
        "requestPayment": "RequestPayment",
        "object-lock": "ObjectLockConfiguration",
    }.items()
    for method, verb in (("GET", "Get"), ("PUT", "Put"), ("DELETE", "Delete"))
}
S3_SUBRESOURCE_ACTIONS[("GET", "location")] = "GetBucketLocation"


class FaultError(ValueError):
    """A fault description the switch cannot use."""


@dataclass
class Fault:
    action: str
    code: str | None = None
    message: str = DEFAULT_MESSAGE
    status: int = DEFAULT_STATUS
    count: int | None = 1
    hang_seconds: float = 0.0
    body_contains: str | None = None
    service: str | None = None
    rollout_fails: str | None = None  # a task-definition revision whose ECS deployment fails
    matched: int = field(default=0)

    @classmethod
    def parse(cls, document: Any) -> Fault:
        """One fault from its JSON object; a FaultError naming what is wrong."""
        if not isinstance(document, dict):
            raise FaultError(f"a fault is a JSON object, not {type(document).__name__}")
        known = {
            "action",
            "code",
            "message",
            "status",
            "count",
            "hang_seconds",
            "body_contains",
            "service",
            "rollout_fails",
        }
        unknown = sorted(set(document) - known)
        if unknown:
            raise FaultError(f"unknown fault field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        action = document.get("action")
        if not isinstance(action, str) or not action:
            raise FaultError("a fault needs `action`, the API action name (e.g. PutParameter)")
        rollout_fails = document.get("rollout_fails")
        fault = cls(
            action=action,
            code=document.get("code"),
            message=document.get("message", ROLLOUT_FAILED_MESSAGE if rollout_fails else DEFAULT_MESSAGE),
            status=document.get("status", DEFAULT_STATUS),
            count=document.get("count", 1),
            hang_seconds=document.get("hang_seconds", 0.0),
            body_contains=document.get("body_contains"),
            service=document.get("service"),
            rollout_fails=rollout_fails,
        )
        if rollout_fails is not None:
            fault._check_rollout()
        elif fault.code is None and not fault.hang_seconds:
            raise FaultError(f"{action}: give `code` (fail) or `hang_seconds` (hang), or both")
        if fault.code is not None and (not isinstance(fault.code, str) or not fault.code):
            raise FaultError(f"{action}: `code` is an AWS error code such as AccessDeniedException")
        if not isinstance(fault.status, int) or not 400 <= fault.status <= 599:
            raise FaultError(f"{action}: `status` is an HTTP error status (400-599), not {fault.status!r}")
        if fault.count is not None and (not isinstance(fault.count, int) or fault.count < 1):
            raise FaultError(f"{action}: `count` is the number of calls (>= 1) or null for every call")
        if not isinstance(fault.hang_seconds, int | float) or fault.hang_seconds < 0:
            raise FaultError(f"{action}: `hang_seconds` is a number of seconds >= 0")
        for name in ("message", "body_contains", "service"):
            value = getattr(fault, name)
            if value is not None and not isinstance(value, str):
                raise FaultError(f"{action}: `{name}` is a string")
        return fault

    def _check_rollout(self) -> None:
        if not isinstance(self.rollout_fails, str) or ":" not in self.rollout_fails:
            raise FaultError(f"{self.action}: `rollout_fails` is a revision: family:revision or its ARN")
        if self.action not in ROLLOUT_ACTIONS or self.code is not None or self.hang_seconds:
            raise FaultError(
                f"{self.action}: a rollout fault belongs to {' or '.join(ROLLOUT_ACTIONS)} and neither fails nor "
                "hangs the call"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_faults(document: Any) -> list[Fault]:
    """One fault or a list of them, from JSON."""
    return [Fault.parse(item) for item in (document if isinstance(document, list) else [document])]


@dataclass(frozen=True)
class Call:
    """What the switch knows of one request."""

    service: str  # the SigV4 signing name
    action: str
    protocol: str  # json, query, ec2, s3
    content_type: str = ""


class Switch:
    """The faults in force, in the order they were set; thread-safe."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = list(faults or [])

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.to_dict() for fault in self._faults]

    def wants_body(self, call: Call) -> bool:
        with self._lock:
            return any(self._candidate(fault, call) and fault.body_contains for fault in self._faults)

    def failing_rollout(self, action: str, task_definition_arn: str) -> str | None:
        """The reason the ECS deployment `action` starts of this revision fails (its count used
        up by one), or None: it rolls out."""
        with self._lock:
            for fault in self._faults:
                if fault.rollout_fails is None or fault.action != action:
                    continue
                if task_definition_arn not in (fault.rollout_fails,) and not task_definition_arn.endswith(
                    f"/{fault.rollout_fails}"
                ):
                    continue
                self._use(fault)
                return fault.message
        return None

    def _use(self, fault: Fault) -> None:
        fault.matched += 1
        if fault.count is not None:
            fault.count -= 1
            if fault.count == 0:
                self._faults.remove(fault)

    def take(self, call: Call, body: bytes | None) -> Fault | None:
        """The first fault for this call (its count used up by one), or None."""
        with self._lock:
            for fault in self._faults:
                if not self._candidate(fault, call):
                    continue
                if fault.body_contains and (body is None or fault.body_contains.encode() not in body):
                    continue
                self._use(fault)
                return fault
        return None

    @staticmethod
    def _candidate(fault: Fault, call: Call) -> bool:
        return fault.rollout_fails is None and fault.action == call.action and fault.service in (None, call.service)


# ------------------------------------------------------------------ reading a request


def signing_service(environ: WSGIEnvironment) -> str:
    """The service of the SigV4 credential scope: `Credential=AKID/date/region/<service>/aws4_request`."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return str(authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")[3])
    except IndexError:
        return ""


def _buffer_body(environ: WSGIEnvironment) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def identify(environ: WSGIEnvironment) -> tuple[Call, bytes | None]:
    """The call (service, action, protocol) and, when it had to be read, its body (put back)."""
    service = signing_service(environ)
    content_type = environ.get("CONTENT_TYPE", "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return Call(service, target.rsplit(".", 1)[-1], "json", content_type), None
    protocol = "ec2" if service == "ec2" else "query"
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = _buffer_body(environ)
        action = parse_qs(body.decode(errors="replace")).get("Action")
        if action:
            return Call(service, action[0], protocol, content_type), body
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "Action" in query:
        return Call(service, query["Action"][0], protocol, content_type), None
    if service == "s3":
        return Call(service, _s3_action(environ, query), "s3", content_type), None
    return Call(service, "", "unknown", content_type), None


def _s3_action(environ: WSGIEnvironment, query: dict[str, list[str]]) -> str:
    method = environ.get("REQUEST_METHOD", "GET")
    for key in query:
        name = S3_SUBRESOURCE_ACTIONS.get((method, key))
        if name:
            return name
    # Path-style addressing (the project's S3 settings): /bucket or /bucket/key.
    has_key = "/" in environ.get("PATH_INFO", "/").strip("/")
    if method == "GET" and not environ.get("PATH_INFO", "/").strip("/"):
        return "ListBuckets"
    names = {
        ("PUT", False): "CreateBucket",
        ("DELETE", False): "DeleteBucket",
        ("HEAD", False): "HeadBucket",
        ("GET", False): "ListObjects",
        ("POST", False): "DeleteObjects",
        ("PUT", True): "PutObject",
        ("GET", True): "GetObject",
        ("HEAD", True): "HeadObject",
        ("DELETE", True): "DeleteObject",
    }
    return names.get((method, has_key), f"{method} {environ.get('PATH_INFO', '/')}")


# ------------------------------------------------------------------ answering


def error_response(call: Call, fault: Fault, method: str = "POST") -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of an AWS-style error for `call`'s protocol."""
    assert fault.code is not None
    request_id = str(uuid.uuid4())
    status = f"{fault.status} Error"
    code, message = fault.code, fault.message
    headers = [("x-amzn-RequestId", request_id)]
    if call.protocol == "json":
        content_type = call.content_type if call.content_type.startswith("application/x-amz-json") else ""
        content_type = content_type or "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", content_type), ("X-Amzn-ErrorType", code)]
        if call.service == "sqs":
            # SQS speaks JSON 1.0 in query-compatible mode: the code older clients read.
            headers.append(("x-amzn-query-error", f"{code};Sender"))
    elif call.protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif call.protocol == "s3":
        body = (
            b""
            if method == "HEAD"
            else (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
            ).encode()
        )
        headers += [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    else:
        namespace = QUERY_NAMESPACES.get(call.service)
        opening = f'<ErrorResponse xmlns="{namespace}">' if namespace else "<ErrorResponse>"
        body = (
            f"{opening}<Error><Type>{'Sender' if fault.status < 500 else 'Receiver'}</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def _client_gone(environ: WSGIEnvironment) -> bool:
    """Whether the client closed its connection (werkzeug exposes the socket)."""
    connection = environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def hang(environ: WSGIEnvironment, seconds: float) -> bool:
    """Wait `seconds`; False as soon as the client has given up."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if _client_gone(environ):
            return False
        time.sleep(min(HANG_POLL_SECONDS, left))
    return not _client_gone(environ)


# ------------------------------------------------------------------ the WSGI side


def _json_response(start_response: StartResponse, status: str, document: Any) -> list[bytes]:
    body = json.dumps(document, indent=2).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def admin(switch: Switch, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """`GET` lists the faults, `POST` adds one or a list, `DELETE` clears them."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "POST":
        try:
            switch.add(parse_faults(json.loads(_buffer_body(environ) or b"null")))
        except (FaultError, ValueError) as error:
            return _json_response(start_response, "400 Bad Request", {"error": str(error)})
    elif method == "DELETE":
        switch.clear()
    elif method != "GET":
        return _json_response(start_response, "405 Method Not Allowed", {"error": "GET, POST or DELETE"})
    return _json_response(start_response, "200 OK", {"faults": switch.listed()})


def intercept(switch: Switch, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes] | None:
    """The response for a faulted call, or None to let moto answer (after a hang, if any)."""
    call, body = identify(environ)
    if not call.action:
        return None
    if body is None and switch.wants_body(call):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if 0 < length <= MAX_MATCHED_BODY_BYTES:
            body = _buffer_body(environ)
    fault = switch.take(call, body)
    if fault is None:
        return None
    print(f"fault {call.service} {call.action}: {fault.code or ''} hang {fault.hang_seconds:g} s".rstrip(), flush=True)
    if fault.hang_seconds and body is None and 0 < int(environ.get("CONTENT_LENGTH") or 0) <= MAX_MATCHED_BODY_BYTES:
        # Read the request off the socket first: only then does the socket show the client leaving.
        body = _buffer_body(environ)
    if fault.hang_seconds and not hang(environ, fault.hang_seconds):
        print(f"fault {call.service} {call.action}: the client gave up; the call is dropped", flush=True)
        start_response("499 Client Closed Request", [("Content-Length", "0")])
        return [b""]
    if fault.code is None:
        return None
    status, headers, payload = error_response(call, fault, environ.get("REQUEST_METHOD", "POST"))
    start_response(status, headers)
    return [payload]


def from_environment() -> Switch:
    """The switch an emulator starts with: the faults in DAILYDESK_EMULATOR_FAULTS, if any."""
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return Switch(parse_faults(json.loads(text)) if text else [])


# ------------------------------------------------------------------ the client side (tests, CLI)


def _request(endpoint: str, method: str, document: Any = None) -> list[dict[str, Any]]:
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(
        endpoint + FAULTS_PATH, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        faults: list[dict[str, Any]] = json.loads(response.read())["faults"]
        return faults


def set_faults(endpoint: str, *faults: dict[str, Any]) -> list[dict[str, Any]]:
    """Add faults to the emulator at `endpoint`; the faults now in force."""
    parse_faults(list(faults))  # a clear error here rather than an HTTP 400
    return _request(endpoint, "POST", list(faults))


def clear_faults(endpoint: str) -> None:
    _request(endpoint, "DELETE")


def list_faults(endpoint: str) -> list[dict[str, Any]]:
    return _request(endpoint, "GET")
