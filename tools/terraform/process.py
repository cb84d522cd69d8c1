"""Run one Terraform command the way the deploy engine needs it: its full output into a log
file, each line handed to the caller as it comes, and stopped only the way Terraform supports.

Terraform writes straight into the step's log file (its stdout and stderr are that file), and
the engine reads the file as it grows. So Terraform never writes into a pipe the engine must
keep draining: an engine that dies, or whose own stdout breaks, cannot kill Terraform with
SIGPIPE, and Terraform always finishes writing its state.

Terraform runs in its own process group, so a Ctrl-C in the terminal reaches the engine,
not Terraform. The engine then decides what Terraform gets:

- a timeout, the operator's first Ctrl-C, or a SIGTERM / SIGHUP (CI's cancel, a closed
  terminal): **one** graceful cancel, one SIGINT to Terraform's process group, as a terminal
  would send it. Terraform stops starting operations, lets the calls in flight finish, writes
  its state, releases the lock and exits 1 ("Interrupt received ... Gracefully shutting
  down"). SIGTERM and SIGHUP never count as a second interrupt, whatever came before.
- during a rollback, a first interrupt (Ctrl-C, SIGTERM, SIGHUP) is only reported: the
  rollback's Terraform is not signalled and the rollback goes on (`Interrupts.rolling_back`).
- the operator's second Ctrl-C: stop now. Terraform processes that had no SIGINT yet (a
  rollback's) get one; none gets a second (that would make Terraform exit without saving
  state); the engine starts nothing new, rollbacks included, and still waits for every
  Terraform it started to exit.

Never SIGKILL. `Interrupts` is the one object that knows the running Terraform processes
(deploy-local runs two workspaces side by side) and what the operator asked for.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import BinaryIO

from tools.terraform import cli as terraform

OPERATOR = "operator"
TIMEOUT = "timeout"
POLL_SECONDS = 0.2
# Signals from outside the terminal's Ctrl-C: CI's cancel (SIGTERM), a closed terminal (SIGHUP).
GRACEFUL_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
HANDLED_SIGNALS = (signal.SIGINT, *GRACEFUL_SIGNALS)

FIRST_INTERRUPT = (
    "Terraform was asked to stop (one SIGINT) and is saving its state; the rollback follows. "
    "Press Ctrl-C again to stop without rolling back."
)
DURING_ROLLBACK = (
    "the rollback continues (its Terraform was not signalled); Ctrl-C again to stop it and leave the workspace as is"
)
STOP_NOW = "no rollback will start, a running one is stopped; waiting for Terraform to save its state and exit"


class Interrupts:
    """The operator's interrupts of one engine command, and the Terraform processes to forward them to."""

    def __init__(self) -> None:
        # Re-entrant: the signal handler runs on the main thread, possibly inside a locked block.
        self._lock = threading.RLock()
        self._running: dict[int, subprocess.Popen[bytes]] = {}
        self._signalled: set[int] = set()
        self._protected: set[int] = set()  # pids of Terraform processes a rollback started
        self._rolling_back: dict[int, int] = {}  # thread ident -> depth of `rolling_back` blocks
        self.count = 0  # the operator's Ctrl-Cs (SIGINT)
        self.graceful: str | None = None  # the first SIGTERM / SIGHUP received, by name
        self._notices: list[str] = []

    @property
    def cancelled(self) -> bool:
        """Asked to stop (first Ctrl-C, SIGTERM, SIGHUP): no new apply starts; rollbacks still run."""
        return self.count >= 1 or self.graceful is not None

    @property
    def stop_now(self) -> bool:
        """The operator pressed Ctrl-C twice: no rollback either; running Terraform still saves its state."""
        return self.count >= 2

    @contextmanager
    def rolling_back(self) -> Iterator[None]:
        """While the block runs in this thread, the Terraform processes it starts are a
        rollback's: a first interrupt leaves them running, only a second Ctrl-C stops them."""
        thread = threading.get_ident()
        with self._lock:
            self._rolling_back[thread] = self._rolling_back.get(thread, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._rolling_back[thread] -= 1
                if not self._rolling_back[thread]:
                    del self._rolling_back[thread]

    def register(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running[process.pid] = process
            if threading.get_ident() in self._rolling_back:
                self._protected.add(process.pid)
            if self.stop_now:
                self._signal(process)

    def unregister(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.pop(process.pid, None)
            self._signalled.discard(process.pid)
            self._protected.discard(process.pid)

    def interrupt(self, process: subprocess.Popen[bytes]) -> bool:
        """Send one SIGINT to `process`'s group unless it had one already; True if sent now."""
        with self._lock:
            return self._signal(process)

    def _signal(self, process: subprocess.Popen[bytes]) -> bool:
        if process.pid in self._signalled or process.poll() is not None:
            return False
        self._signalled.add(process.pid)
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            return False
        return True

    def was_interrupted(self, process: subprocess.Popen[bytes]) -> bool:
        with self._lock:
            return process.pid in self._signalled

    def operator(self, signum: int = signal.SIGINT) -> None:
        """The operator pressed Ctrl-C (SIGINT), or CI / a closed terminal asked to stop (SIGTERM, SIGHUP)."""
        with self._lock:
            was_cancelled = self.cancelled
            if signum == signal.SIGINT:
                self.count += 1
                what = "interrupt again" if self.count >= 2 else "interrupt"
            else:
                self.graceful = self.graceful or signal.Signals(signum).name
                what = signal.Signals(signum).name
            if self.stop_now:
                for process in list(self._running.values()):
                    self._signal(process)
                self._notices.append(f"{what}: {STOP_NOW}")
                return
            if was_cancelled:
                # A graceful cancel counts once: a SIGTERM after a Ctrl-C (CI sends both) or a
                # Ctrl-C after a SIGTERM changes nothing; only a second Ctrl-C stops now.
                self._notices.append(
                    f"{what}: already stopping gracefully; only a second Ctrl-C stops without rolling back"
                )
                return
            unprotected = [p for pid, p in self._running.items() if pid not in self._protected]
            for process in unprotected:
                self._signal(process)
            rollback_running = bool(self._rolling_back) or len(unprotected) < len(self._running)
            if unprotected or not rollback_running:
                self._notices.append(f"{what}: {FIRST_INTERRUPT}")
            if rollback_running:
                self._notices.append(f"{what}: {DURING_ROLLBACK}")

    def notices(self) -> list[str]:
        with self._lock:
            notices, self._notices = self._notices, []
            return notices

    @contextmanager
    def handling_signals(self) -> Iterator[Interrupts]:
        """Route SIGINT, SIGTERM and SIGHUP to `operator` while the block runs (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            self.operator(signum)

        previous = {sig: signal.signal(sig, handler) for sig in HANDLED_SIGNALS}
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
    """Run `terraform -chdir=directory *args`, its output appended to `log` by Terraform itself.

    `deadline` (time.monotonic()) interrupts Terraform once when it passes. Returns when
    Terraform has exited, however long it takes to save its state."""
    binary = shutil.which("terraform")
    if binary is None:
        raise RuntimeError("terraform is not on PATH: install Terraform 1.11.x")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # Append mode (O_APPEND): Terraform's lines and the engine's `#` notes never overwrite each other.
    with log.open("ab") as output, log.open("rb") as reader:
        _note(output, f"$ terraform -chdir={directory} {' '.join(args)}")
        reader.seek(0, os.SEEK_END)
        process = subprocess.Popen(
            [binary, f"-chdir={directory}", *args],
            env=terraform.environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        interrupts.register(process)
        try:
            cancelled = _watch(
                process, output=output, tail=_Tail(reader), interrupts=interrupts, deadline=deadline, hooks=hooks
            )
            returncode = process.wait()
        finally:
            interrupts.unregister(process)
        _note(output, f"# exit {returncode} after {time.monotonic() - started:.1f} s")
    return Completed(returncode, time.monotonic() - started, cancelled)


def _note(output: BinaryIO, text: str) -> None:
    output.write((text + "\n").encode())
    output.flush()


class _Tail:
    """The lines written to a log file since it was opened for reading (the unfinished last
    one too, once the writer has exited)."""

    def __init__(self, reader: BinaryIO) -> None:
        self._reader = reader
        self._pending = b""

    def lines(self, *, final: bool) -> list[str]:
        self._pending += self._reader.read()
        *complete, self._pending = self._pending.split(b"\n")
        if final and self._pending:
            complete.append(self._pending)
            self._pending = b""
        return [line.decode("utf-8", errors="replace") + "\n" for line in complete]


def _watch(
    process: subprocess.Popen[bytes],
    *,
    output: BinaryIO,
    tail: _Tail,
    interrupts: Interrupts,
    deadline: float | None,
    hooks: Hooks,
) -> str | None:
    """Follow the log while Terraform runs, each new line to `hooks.on_line`; interrupt it once
    at the deadline. Returns why Terraform was interrupted, if it was."""
    cancelled: str | None = None
    while True:
        exited = process.poll() is not None
        for line in tail.lines(final=exited):
            if hooks.on_line is not None:
                hooks.on_line(line)
        if cancelled is None:
            cancelled = _cancel_reason(process, output, interrupts, deadline)
            if cancelled is not None and hooks.on_cancel is not None:
                hooks.on_cancel(cancelled)
        if hooks.on_tick is not None:
            hooks.on_tick()
        for notice in interrupts.notices():
            if hooks.on_notice is not None:
                hooks.on_notice(notice)
        if exited:
            return cancelled
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL_SECONDS)


def _cancel_reason(
    process: subprocess.Popen[bytes], output: BinaryIO, interrupts: Interrupts, deadline: float | None
) -> str | None:
    """TIMEOUT when the deadline has passed (Terraform gets its one SIGINT now), OPERATOR when
    an interrupt reached it, else None."""
    if deadline is not None and time.monotonic() >= deadline and interrupts.interrupt(process):
        _note(output, "# the engine sent SIGINT: timeout")
        return TIMEOUT
    return OPERATOR if interrupts.was_interrupted(process) else None
