"""Run the pinned cdktf CLI (node_modules/.bin/cdktf) the way the Makefile does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CDKTF = REPO_ROOT / "node_modules" / ".bin" / "cdktf"
DEFAULT_OUTDIR = REPO_ROOT / "cdktf.out"


class CommandFailed(Exception):
    def __init__(self, command: list[str], returncode: int) -> None:
        super().__init__(f"`{' '.join(command)}` failed with exit code {returncode}")
        self.returncode = returncode


def exit_code(step: Callable[[], object]) -> int:
    """Run `step` for a command line: 0 when it succeeds; a failed cdktf command is
    reported on stderr (`error: ...`) and gives 1."""
    try:
        step()
    except CommandFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def cdktf_env(environments: list[str] | None = None) -> dict[str, str]:
    """The process environment for cdktf: tools/env.sh's variables, and the environments
    the app should build (fewer environments, faster synth)."""
    env = dict(os.environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    # Always the project's CLI config (provider mirror), whatever the machine sets.
    env["TF_CLI_CONFIG_FILE"] = str(REPO_ROOT / ".terraform.d" / "terraformrc")
    env.setdefault("PIPENV_VENV_IN_PROJECT", "1")
    env.setdefault("PIPENV_VERBOSITY", "-1")
    if environments:
        env["DAILYDESK_ENVIRONMENTS"] = ",".join(environments)
    return env


def run(args: list[str], *, environments: list[str] | None = None, outdir: Path = DEFAULT_OUTDIR,
        capture: bool = False) -> subprocess.CompletedProcess:
    if not CDKTF.exists():
        raise SystemExit("error: node_modules/.bin/cdktf is missing: run `make setup`")
    command = [str(CDKTF), *args, "--output", str(outdir)]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=cdktf_env(environments), text=True,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
    )
    if result.returncode != 0:
        if capture and result.stdout:
            sys.stderr.write(result.stdout[-4000:])
        raise CommandFailed(command, result.returncode)
    return result
