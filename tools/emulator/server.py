"""Start, reuse, reset and stop the emulator: moto's server run in-process by `serve`.

`start_background` spawns `python -m tools.emulator serve` (what `./dailydesk emulator serve`
runs) detached, so the emulator outlives the command that started it (a deploy, a test
session) and the next one reuses it. Only loopback addresses are accepted: the emulator has no authentication.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tools.paths import REPO_ROOT

if TYPE_CHECKING:
    from types import FrameType
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from _typeshed import OptExcInfo

STATE_DIR = REPO_ROOT / ".emulator"
DEFAULT_START_TIMEOUT_SECONDS = 60.0
DEFAULT_STOP_TIMEOUT_SECONDS = 10.0
DEFAULT_PROBE_TIMEOUT_SECONDS = 2.0
DEFAULT_LOG_TAIL_LINES = 40
# Answered by `serve` only, so a foreign server on the port is never mistaken for ours.
HEALTH_PATH = "/dailydesk-emulator/health"


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or stopped."""


def require_loopback(host: str) -> str:
    """The host, if it is a loopback address (or `localhost`); otherwise an error."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise EmulatorError(f"refusing to run the emulator on {host!r}: only loopback addresses (127.0.0.1) are allowed")


def endpoint_of(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def log_file(port: int) -> Path:
    return STATE_DIR / f"{port}.log"


def pid_file(port: int) -> Path:
    return STATE_DIR / f"{port}.pid"


def health(endpoint: str, timeout: float = DEFAULT_PROBE_TIMEOUT_SECONDS) -> dict[str, Any] | None:
    """The emulator's health document (moto version, applied patches), or None."""
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=timeout) as response:
            document: dict[str, Any] = json.loads(response.read())
            return document
    except (OSError, ValueError, urllib.error.URLError):
        return None


def is_running(endpoint: str) -> bool:
    return health(endpoint) is not None


def _tail(path: Path, lines: int = DEFAULT_LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"


def start_background(host: str, port: int, timeout: float = DEFAULT_START_TIMEOUT_SECONDS) -> bool:
    """Reuse a healthy emulator on host:port (False) or spawn one and wait for it (True).

    One started from another checkout (other patches) is refused, not reused: it would not
    answer as this code expects (an ECS deployment that never rolls out, say)."""
    require_loopback(host)
    endpoint = endpoint_of(host, port)
    document = health(endpoint)
    if document is not None:
        from tools.emulator import patches

        expected = {p.name for p in patches.list_patches()}
        if set(document.get("patches") or []) != expected:
            missing = sorted(expected - set(document.get("patches") or []))
            raise EmulatorError(
                f"the emulator at {endpoint} was started from another checkout (without the patches "
                f"{', '.join(missing) or 'of this one'}): stop it (`./dailydesk emulator stop`, or end the process "
                "that started it) and run again"
            )
        return False
    STATE_DIR.mkdir(exist_ok=True)
    log = log_file(port)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.emulator", "serve", "--host", host, "--port", str(port)],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(port).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(endpoint):
            return True
        if process.poll() is not None:
            pid_file(port).unlink(missing_ok=True)
            raise EmulatorError(f"the emulator exited with code {process.returncode}; log {log}:\n{_tail(log)}")
        time.sleep(0.2)
    process.terminate()
    pid_file(port).unlink(missing_ok=True)
    raise EmulatorError(f"the emulator did not answer on {endpoint} within {timeout:.0f} s; log {log}:\n{_tail(log)}")


def reset(endpoint: str) -> None:
    """Forget every resource: moto's own reset, and the faults and remembered answers the
    `serve` process keeps (cleared on the same request)."""
    request = urllib.request.Request(endpoint + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise EmulatorError(f"reset of {endpoint} answered HTTP {response.status}")


def stop(host: str, port: int, timeout: float = DEFAULT_STOP_TIMEOUT_SECONDS) -> None:
    """Stop the emulator we started on host:port (found by its pid file); nothing else."""
    require_loopback(host)
    path = pid_file(port)
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # Our own child (same process as a test session) must also be reaped.
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)


def _traced(moto_app: WSGIApplication, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """Run one call and print `action status [error code]` to the emulator log."""
    import io
    import re
    from urllib.parse import parse_qs

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    action = (parse_qs(body.decode(errors="replace")).get("Action") or [environ.get("HTTP_X_AMZ_TARGET", "")])[0]
    status: list[str] = []

    def recording_start_response(
        code: str, headers: list[tuple[str, str]], *args: OptExcInfo | None
    ) -> Callable[[bytes], object]:
        status.append(code)
        return start_response(code, headers, *args)

    chunks = list(moto_app(environ, recording_start_response))
    code = status[0] if status else "?"
    detail = ""
    if not code.startswith("2"):
        found = re.search(rb"<Code>([^<]+)</Code>|\"__type\":\s*\"([^\"]+)\"", b"".join(chunks))
        detail = (found.group(1) or found.group(2)).decode() if found else ""
    # The SDK's retry of a call names its attempt (`amz-sdk-request: attempt=2; max=…`).
    attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "").split(";")[0].replace("attempt=", "")
    retried = f" attempt {attempt}" if attempt not in ("", "1") else ""
    print(f"trace {action or environ.get('PATH_INFO')} {code} {detail}{retried}".rstrip(), flush=True)
    return chunks


def serve(host: str, port: int) -> None:
    """Apply every patch, then run moto's server in this process until SIGTERM/SIGINT."""
    require_loopback(host)
    from moto import __version__ as moto_version
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from tools.emulator import faults, patches, retries
    from tools.emulator.patches import ecs as ecs_patches

    applied = patches.apply_all()
    # Off unless DAILYDESK_EMULATOR_FAULTS or the admin path sets faults (tools/emulator/faults.py).
    switch = faults.from_environment()
    ecs_patches.set_rollout_faults(switch.failing_rollout)  # the ECS deployments a fault makes fail
    document = json.dumps({"moto": moto_version, "patches": [p.name for p in applied]}).encode()
    moto_app = DomainDispatcherApplication(create_backend_app)
    # AWS applies each API call atomically; moto's in-memory models are not thread-safe
    # (Terraform revokes many rules of one security group at once). One call at a time,
    # body included: moto answers in milliseconds, the provider's own waits dominate.
    one_call_at_a_time = threading.Lock()
    # DAILYDESK_EMULATOR_TRACE=1 logs each call's action, status and error code (no bodies).
    trace = os.environ.get("DAILYDESK_EMULATOR_TRACE") == "1"
    # A retried call gets the answer its first attempt got, not a second execution.
    answered = retries.Answered()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [document]
        if path == faults.FAULTS_PATH:
            return faults.admin(switch, environ, start_response)
        replayed = answered.replay(environ)
        if replayed is not None:
            if trace:
                print(f"trace replayed the answer of attempt 1 to attempt {retries.attempt(environ)}", flush=True)
            start_response(replayed.status, replayed.headers)
            return [replayed.body]
        if not path.startswith("/moto-api/"):
            # Outside the lock: a hanging call must not hold up the others.
            faulted = faults.intercept(switch, environ, start_response)
            if faulted is not None:
                return faulted
        with one_call_at_a_time:
            if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                switch.clear()
                answered.clear()
            recorded: list[tuple[str, list[tuple[str, str]]]] = []

            def recording(
                code: str, headers: list[tuple[str, str]], *args: OptExcInfo | None
            ) -> Callable[[bytes], object]:
                recorded.append((code, list(headers)))
                return start_response(code, headers, *args)

            chunks = _traced(moto_app, environ, recording) if trace else list(moto_app(environ, recording))
            if recorded:
                answered.remember(environ, retries.Answer(recorded[-1][0], recorded[-1][1], b"".join(chunks)))
            return chunks

    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)

    def shutdown(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    print(
        f"dailydesk emulator: moto {moto_version} on {endpoint_of(host, port)}, {len(applied)} patches, "
        f"{len(switch.listed())} faults",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
