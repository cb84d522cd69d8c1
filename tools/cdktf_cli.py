"""Run the pinned cdktf CLI (node_modules/.bin/cdktf) the way the Makefile does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tools import terraform
from tools.paths import CDKTF, DEFAULT_OUTDIR, REPO_ROOT


class CommandError(Exception):
    def __init__(self, command: list[str], returncode: int) -> None:
        super().__init__(f"`{' '.join(command)}` failed with exit code {returncode}")
        self.returncode = returncode


def exit_code(step: Callable[[], object]) -> int:
    """Run `step` for a command line: 0 when it succeeds; a failed cdktf command is
    reported on stderr (`error: ...`) and gives 1."""
    try:
        step()
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def cdktf_env(environments: list[str] | None = None) -> dict[str, str]:
    """The process environment for cdktf: Terraform's (`terraform.environment`), jsii's
    notices silenced, and the environments the app should build (fewer, faster synth)."""
    env = terraform.environment()
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("PIPENV_VENV_IN_PROJECT", "1")
    env.setdefault("PIPENV_VERBOSITY", "-1")
    if environments:
        env["DAILYDESK_ENVIRONMENTS"] = ",".join(environments)
    return env


def run(
    args: list[str], *, environments: list[str] | None = None, outdir: Path = DEFAULT_OUTDIR, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    if not CDKTF.exists():
        raise SystemExit("error: node_modules/.bin/cdktf is missing: run `make setup`")
    command = [str(CDKTF), *args, "--output", str(outdir)]
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=cdktf_env(environments),
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        check=False,
    )
    if result.returncode != 0:
        if capture and result.stdout:
            sys.stderr.write(result.stdout[-4000:])
        raise CommandError(command, result.returncode)
    return result
