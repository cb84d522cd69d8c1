"""Run one Terraform command the way the deploy engine needs it: its full output into a log
file, each line handed to the caller as it comes, and stopped only the way Terraform supports.

Terraform runs in its own process group, so a Ctrl-C in the terminal reaches the engine,
not Terraform. The engine then decides what Terraform gets:

- a timeout, or the operator's first Ctrl-C (or a SIGTERM, as CI sends on cancel): **one**
  SIGINT to Terraform's process group, as a terminal would send it. Terraform stops
  starting operations, lets the calls in flight finish, writes its state, releases the
  lock and exits 1 ("Interrupt received ... Gracefully shutting down").
- the operator's second Ctrl-C: no second signal (that would make Terraform exit without
  saving state); the engine only stops starting anything new, rollbacks included, and still
  waits for every Terraform it started to exit.

Never SIGKILL. `Interrupts` is the one object that knows the running Terraform processes
(deploy-local runs two workspaces side by side) and what the operator asked for.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from tools.terraform import cli as terraform

OPERATOR = "operator"
TIMEOUT = "timeout"
POLL_SECONDS = 0.2


class Interrupts:
    """The operator's interrupts of one engine command, and the Terraform processes to forward them to."""

    def __init__(self) -> None:
        # Re-entrant: the signal handler runs on the main thread, possibly inside a locked block.
        self._lock = threading.RLock()
        self._running: dict[int, subprocess.Popen[str]] = {}
        self._signalled: set[int] = set()
        self.count = 0
        self._notices: list[str] = []

    @property
    def cancelled(self) -> bool:
        """The operator asked to stop (first Ctrl-C): no new apply starts; rollbacks still run."""
        return self.count >= 1

    @property
    def stop_now(self) -> bool:
        """The operator asked twice: no rollback either; running Terraform still saves its state."""
        return self.count >= 2

    def register(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running[process.pid] = process
            if self.stop_now:
                self._signal(process)

    def unregister(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running.pop(process.pid, None)
            self._signalled.discard(process.pid)

    def interrupt(self, process: subprocess.Popen[str]) -> bool:
        """Send one SIGINT to `process`'s group unless it had one already; True if sent now."""
        with self._lock:
            return self._signal(process)

    def _signal(self, process: subprocess.Popen[str]) -> bool:
        if process.pid in self._signalled or process.poll() is not None:
            return False
        self._signalled.add(process.pid)
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            return False
        return True

    def was_interrupted(self, process: subprocess.Popen[str]) -> bool:
        with self._lock:
            return process.pid in self._signalled

    def operator(self, signum: int = signal.SIGINT) -> None:
        """The operator pressed Ctrl-C (or CI sent SIGTERM)."""
        with self._lock:
            self.count += 1
            for process in list(self._running.values()):
                self._signal(process)
            if self.count == 1:
                self._notices.append(
                    "interrupt: Terraform was asked to stop (one SIGINT) and is saving its state; the rollback "
                    "follows. Press Ctrl-C again to stop without rolling back."
                )
            else:
                self._notices.append(
                    "interrupt again: no rollback will start; waiting for Terraform to save its state and exit"
                )

    def notices(self) -> list[str]:
        with self._lock:
            notices, self._notices = self._notices, []
            return notices

    @contextmanager
    def handling_signals(self) -> Iterator[Interrupts]:
        """Route SIGINT and SIGTERM to `operator` while the block runs (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            self.operator(signum)

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


@dataclass(frozen=True)
class Completed:
    returncode: int
    seconds: float
    cancelled: str | None = None  # OPERATOR or TIMEOUT when the engine interrupted Terraform


@dataclass(frozen=True)
class Hooks:
    """What a caller hears while Terraform runs (all optional)."""

    on_line: Callable[[str], object] | None = None  # each output line
    on_cancel: Callable[[str], None] | None = None  # once, TIMEOUT or OPERATOR, when Terraform was interrupted
    on_tick: Callable[[], None] | None = None  # about every POLL_SECONDS
    on_notice: Callable[[str], None] | None = None  # what the operator's interrupts mean


def run(
    directory: Path,
    args: list[str],
    *,
    log: Path,
    interrupts: Interrupts,
    deadline: float | None = None,
    hooks: Hooks = Hooks(),
) -> Completed:
    """Run `terraform -chdir=directory *args`, output appended to `log`.

    `deadline` (time.monotonic()) interrupts Terraform once when it passes. Returns when
    Terraform has exited, however long it takes to save its state."""
    binary = shutil.which("terraform")
    if binary is None:
        raise RuntimeError("terraform is not on PATH: install Terraform 1.11.x")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("a", encoding="utf-8") as output:
        output.write(f"$ terraform -chdir={directory} {' '.join(args)}\n")
        output.flush()
        process = subprocess.Popen(
            [binary, f"-chdir={directory}", *args],
            env=terraform.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            process_group=0,
        )
        interrupts.register(process)
        try:
            cancelled = _watch(process, output, interrupts, deadline, hooks)
            returncode = process.wait()
        finally:
            interrupts.unregister(process)
        output.write(f"# exit {returncode} after {time.monotonic() - started:.1f} s\n")
    return Completed(returncode, time.monotonic() - started, cancelled)


def _watch(
    process: subprocess.Popen[str], output: TextIO, interrupts: Interrupts, deadline: float | None, hooks: Hooks
) -> str | None:
    """Relay Terraform's output until it closes; interrupt it once at the deadline. Returns
    why Terraform was interrupted, if it was."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    cancelled: str | None = None
    while (line := _next_line(lines)) is not None:
        if line:
            output.write(line)
            if hooks.on_line is not None:
                hooks.on_line(line)
        reason = None
        if (
            cancelled is None
            and deadline is not None
            and time.monotonic() >= deadline
            and interrupts.interrupt(process)
        ):
            reason = TIMEOUT
            output.write("# the engine sent SIGINT: timeout\n")
        elif cancelled is None and interrupts.was_interrupted(process):
            reason = OPERATOR
        if reason is not None:
            cancelled = reason
            if hooks.on_cancel is not None:
                hooks.on_cancel(reason)
        if hooks.on_tick is not None:
            hooks.on_tick()
        for notice in interrupts.notices():
            if hooks.on_notice is not None:
                hooks.on_notice(notice)
    return cancelled


def _next_line(lines: queue.Queue[str | None]) -> str | None:
    """The next output line, "" when none came within POLL_SECONDS, None at the end."""
    try:
        return lines.get(timeout=POLL_SECONDS)
    except queue.Empty:
        return ""
