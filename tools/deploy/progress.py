"""Quiet progress for the deploy engine: one line per workspace step, a line per resource only
when it fails or takes long, the full Terraform output in a log file per step.

    parent-local     init            1 s
    parent-local     plan            48 to add, 0 to change, 0 to destroy   9 s
    parent-local     apply           48 added, 0 changed, 0 destroyed   14 s
    backend-local    aws_lb.load_balancer_lb_8C1A2B3C (backend-local/load-balancer/lb) created in 62 s

Logs: `.deploy-logs/<run>-<stack>-<step>.log` beside `cdktf.out/` (git-ignored), `<run>` the
command's start time and process id.
On a terminal one status line at the bottom shows what is running (redrawn each second);
without a terminal (CI) nothing is ever redrawn: only the permanent lines are printed.

An output that breaks (`make deploy | tee`, and the reader dies; a closed terminal) never stops
the engine: from then on its lines go to `<run>-output.log` in the log directory, and the
command finishes its apply or rollback and exits with its own code.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tools.paths import REPO_ROOT

DEFAULT_LOG_DIR = REPO_ROOT / ".deploy-logs"
LOG_DIR_NAME = ".deploy-logs"
# A resource that takes longer than this gets its own line.
SLOW_RESOURCE_SECONDS = 10.0
STACK_WIDTH = 16
STEP_WIDTH = 15
REDRAW_SECONDS = 1.0


@dataclass
class Activity:
    """One running step, as the live status line shows it."""

    stack: str
    step: str
    started: float = field(default_factory=time.monotonic)
    detail: str = ""


class Progress:
    def __init__(
        self, stream: TextIO | None = None, *, live: bool | None = None, log_dir: Path = DEFAULT_LOG_DIR
    ) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.log_dir = log_dir
        # The start time and the process: Terraform writes into these files and the engine reads
        # them back, so two commands started in the same second must never share one.
        self.run_id = f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        self._lock = threading.RLock()
        self._activities: list[Activity] = []
        self._status_shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fallback: TextIO | None = None  # where lines go once the stream is broken

    # ------------------------------------------------------------------ logs

    def log_path(self, stack: str, step: str) -> Path:
        return self.log_dir / f"{self.run_id}-{stack}-{step.replace(' ', '-')}.log"

    def logs_pattern(self) -> str:
        return f"{shown(self.log_dir)}/{self.run_id}-*.log"

    @property
    def output_log(self) -> Path:
        """Where the lines go once the stream is broken."""
        return self.log_dir / f"{self.run_id}-output.log"

    def _write(self, text: str, *, permanent: bool = False) -> None:
        """Write to the stream; once it is broken, permanent lines go to `output_log` instead."""
        if self._fallback is None:
            try:
                self.stream.write(text)
                self.stream.flush()
                return
            except (OSError, ValueError) as error:  # EPIPE, EIO of a hung-up terminal, a closed file
                self._fallback = self._open_fallback(error)
        if permanent and self._fallback is not None:
            self._fallback.write(text)
            self._fallback.flush()

    def _open_fallback(self, error: Exception) -> TextIO | None:
        _silence(self.stream)
        self.live = False
        try:
            self.output_log.parent.mkdir(parents=True, exist_ok=True)
            fallback = self.output_log.open("a", encoding="utf-8")
        except OSError:
            return None  # nowhere to write: the lines are dropped, the command goes on
        fallback.write(f"# the output stream broke ({type(error).__name__}); the engine's lines continue here\n")
        return fallback

    # ------------------------------------------------------------------ permanent lines

    def line(self, text: str = "") -> None:
        with self._lock:
            self._clear_status()
            self._write(text + "\n", permanent=True)
            self._draw_status()

    def step(self, stack: str, step: str, detail: str, seconds: float | None = None) -> None:
        timing = f"   {seconds:.0f} s" if seconds is not None else ""
        self.line(f"{stack:<{STACK_WIDTH}} {step:<{STEP_WIDTH}} {detail}{timing}".rstrip())

    def resource(self, stack: str, text: str) -> None:
        self.line(f"{stack:<{STACK_WIDTH}} {text}")

    # ------------------------------------------------------------------ the live status line

    @contextmanager
    def running(self, stack: str, step: str) -> Iterator[Activity]:
        activity = Activity(stack, step)
        with self._lock:
            self._activities.append(activity)
            if self.live and self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._redraw, daemon=True)
                self._thread.start()
        try:
            yield activity
        finally:
            with self._lock:
                self._activities.remove(activity)
                if not self._activities:
                    self._clear_status()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            self._clear_status()

    def _redraw(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            with self._lock:
                self._clear_status()
                self._draw_status()

    def _status_text(self) -> str:
        now = time.monotonic()
        parts = [
            f"{a.stack} {a.step}{' ' + a.detail if a.detail else ''} {now - a.started:.0f}s" for a in self._activities
        ]
        width = shutil.get_terminal_size((120, 20)).columns - 1
        return ("… " + " | ".join(parts))[:width]

    def _draw_status(self) -> None:
        if self.live and self._activities:
            self._write(self._status_text())
            self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self._status_shown = False
            self._write("\r\033[K")


def _silence(stream: TextIO) -> None:
    """Point a broken stream's file descriptor at /dev/null, so that nothing written to it later
    (Python's own flush at exit included) fails again."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both: a StringIO has none
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


def log_dir_for(outdir: Path) -> Path:
    """The log directory beside an output directory (the repository's, or a test's scratch copy)."""
    return outdir.resolve().parent / LOG_DIR_NAME


def shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter lines)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
