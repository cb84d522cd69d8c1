"""tools/emulator/retries.py: which answers are replayed to a retried call."""

from __future__ import annotations

from tools.emulator.retries import Answer, Answered, attempt

OK = Answer("200 OK", [("Content-Type", "application/json")], b"{}")


def call(invocation: str | None, number: int | None = None, method: str = "POST") -> dict:
    environ = {"REQUEST_METHOD": method}
    if invocation:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
    if number is not None:
        environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={number}; max=25"
    return environ


def test_the_attempt_number():
    assert attempt(call("a", 3)) == 3
    assert attempt(call("a")) == 1
    assert attempt({"HTTP_AMZ_SDK_REQUEST": "garbage"}) == 1


def test_a_retry_gets_the_first_successful_answer():
    answered = Answered()
    answered.remember(call("a", 1), OK)
    assert answered.replay(call("a", 1)) is None  # a first attempt always runs
    assert answered.replay(call("a", 2)) == OK
    assert answered.replay(call("b", 2)) is None
    assert answered.replayed == 1


def test_errors_reads_and_anonymous_calls_are_not_remembered():
    answered = Answered()
    answered.remember(call("error", 1), Answer("400 Bad Request", [], b"<Code>Throttling</Code>"))
    answered.remember(call("read", 1, method="GET"), OK)
    answered.remember(call(None, 1), OK)
    assert answered.replay(call("error", 2)) is None
    assert answered.replay(call("read", 2, method="GET")) is None
    assert answered.replay(call(None, 2)) is None


def test_only_the_most_recent_calls_are_kept_and_clear_forgets_them():
    answered = Answered(capacity=2)
    for name in ("a", "b", "c"):
        answered.remember(call(name, 1), OK)
    assert answered.replay(call("a", 2)) is None
    assert answered.replay(call("c", 2)) == OK
    answered.clear()
    assert answered.replay(call("c", 2)) is None
