"""How the engine stops Terraform: one SIGINT to its process group, never a second one,
never SIGKILL; what the operator's first and second Ctrl-C mean. A small Python child in
its own process group stands in for Terraform and counts the SIGINTs it receives."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tools.terraform.process import Interrupts

COUNTING_CHILD = """
import signal, sys, time
received = []
signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
print("ready", flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    time.sleep(0.05)
print(len(received), flush=True)
"""


def child(seconds: float = 0.6) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", COUNTING_CHILD, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        process_group=0,  # as the engine starts Terraform: out of the terminal's reach
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def sigints(process: subprocess.Popen[str]) -> int:
    out, _ = process.communicate(timeout=30)
    return int(out.strip())


def test_the_first_ctrl_c_sends_one_sigint_and_the_second_none():
    interrupts = Interrupts()
    process = child()
    interrupts.register(process)
    interrupts.operator()
    assert interrupts.cancelled and not interrupts.stop_now
    assert interrupts.was_interrupted(process)
    interrupts.operator()
    assert interrupts.stop_now
    interrupts.operator()
    assert sigints(process) == 1
    notices = interrupts.notices()
    assert "Press Ctrl-C again to stop without rolling back" in notices[0]
    assert "no rollback will start" in notices[1]
    interrupts.unregister(process)


def test_a_timeout_interrupts_once():
    interrupts = Interrupts()
    process = child()
    interrupts.register(process)
    assert interrupts.interrupt(process) is True
    assert interrupts.interrupt(process) is False  # never twice
    interrupts.operator()  # already interrupted: nothing more for it
    assert sigints(process) == 1


def test_after_the_first_ctrl_c_a_rollback_still_starts_and_is_not_signalled():
    interrupts = Interrupts()
    interrupts.operator()
    rollback = child()
    interrupts.register(rollback)
    assert sigints(rollback) == 0


def test_after_the_second_ctrl_c_anything_started_is_interrupted_at_once():
    interrupts = Interrupts()
    interrupts.operator()
    interrupts.operator()
    late = child()
    interrupts.register(late)
    assert sigints(late) == 1


def test_the_engine_handles_sigint_and_forwards_one():
    """While an engine command runs, SIGINT is the operator's Ctrl-C: counted, and forwarded once."""
    interrupts = Interrupts()
    process = child()
    interrupts.register(process)
    with interrupts.handling_signals():
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.1)
    assert interrupts.count == 1
    assert sigints(process) == 1


def test_sigterm_and_sighup_are_one_graceful_cancel_never_a_second_interrupt():
    interrupts = Interrupts()
    process = child()
    interrupts.register(process)
    interrupts.operator(signal.SIGINT)
    interrupts.operator(signal.SIGTERM)  # CI: SIGINT, then SIGTERM
    interrupts.operator(signal.SIGHUP)
    assert interrupts.cancelled and not interrupts.stop_now
    assert sigints(process) == 1
    interrupts.unregister(process)

    alone = Interrupts()
    alone.operator(signal.SIGTERM)
    alone.operator(signal.SIGTERM)
    assert alone.cancelled and not alone.stop_now and alone.graceful == "SIGTERM"
    alone.operator(signal.SIGINT)  # the operator's first Ctrl-C
    assert not alone.stop_now
    alone.operator(signal.SIGINT)
    assert alone.stop_now


def test_a_first_interrupt_during_a_rollback_is_reported_and_not_forwarded():
    interrupts = Interrupts()
    with interrupts.rolling_back():
        rollback = child(1.0)
        interrupts.register(rollback)
    interrupts.operator(signal.SIGTERM)
    interrupts.operator(signal.SIGINT)
    assert interrupts.cancelled and not interrupts.stop_now
    assert not interrupts.was_interrupted(rollback)
    notices = interrupts.notices()
    assert any("the rollback continues" in notice for notice in notices)
    interrupts.operator(signal.SIGINT)  # the second Ctrl-C stops it
    assert interrupts.stop_now and interrupts.was_interrupted(rollback)
    assert sigints(rollback) == 1
    interrupts.unregister(rollback)
