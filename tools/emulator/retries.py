"""One execution per API call, however often the SDK sends it.

The AWS SDKs retry a call whose answer they did not get (a connection closed under them,
an attempt that timed out), with the same `amz-sdk-invocation-id` header and
`amz-sdk-request: attempt=N`. Real AWS rarely loses an answer; the emulator on a loaded
2-core machine sometimes does: the retry then runs the call a second time, and a create
that had succeeded fails with `AlreadyExists`/`InvalidPermission.Duplicate` (seen with
several deploys side by side). `Answered` remembers the successful answer of each recent
call and replays it to a retry of that call, so every call takes effect once, as on AWS.

Only successful answers are replayed: a retry after an error the client did receive
(throttling, a fault of tools/emulator/faults.py) runs again, as on AWS. Reads by GET/HEAD
are never remembered (re-running them changes nothing, and their bodies can be large).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INVOCATION_HEADER = "HTTP_AMZ_SDK_INVOCATION_ID"
ATTEMPT_HEADER = "HTTP_AMZ_SDK_REQUEST"
DEFAULT_CAPACITY = 2000
NOT_REMEMBERED_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def attempt(environ: Mapping[str, Any]) -> int:
    """The SDK's attempt number of this request (`attempt=2; max=25` -> 2); 1 when not said."""
    text = environ.get(ATTEMPT_HEADER, "").split(";")[0].strip()
    number = text.removeprefix("attempt=")
    return int(number) if number.isdigit() else 1


def invocation(environ: Mapping[str, Any]) -> str | None:
    if environ.get("REQUEST_METHOD", "GET") in NOT_REMEMBERED_METHODS:
        return None
    return environ.get(INVOCATION_HEADER) or None


class Answered:
    """The successful answers of the last `capacity` calls, by invocation id."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.replayed = 0

    def replay(self, environ: Mapping[str, Any]) -> Answer | None:
        """The answer already given to this call, for a retry of it; None otherwise."""
        key = invocation(environ)
        if key is None or attempt(environ) == 1:
            return None
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self.replayed += 1
            return answer

    def remember(self, environ: Mapping[str, Any], answer: Answer) -> None:
        key = invocation(environ)
        if key is None or not answer.status.startswith("2"):
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.replayed = 0
