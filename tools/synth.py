"""Synthesize environments without the cdktf CLI: the app (`main.py`) in a subprocess.

The deploy engine drives Terraform itself, so it needs the synthesized JSON only; the
CLI would add a Node.js start and its spinner. The app reads the output directory from
`CDKTF_OUTDIR` (cdktf's `App` default) and the environments to build from
`DAILYDESK_ENVIRONMENTS`; the JSON is byte-identical to `cdktf synth`'s. One environment
takes about 5 s (the jsii runtime starts once). Each synthesized stack directory then gets
the committed provider checksums (`.terraform.lock.hcl`, tools/terraform/lock.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from config.loader import ENVIRONMENTS_VARIABLE
from tools.paths import DEFAULT_OUTDIR, REPO_ROOT
from tools.terraform import cli as terraform
from tools.terraform import lock as provider_lock

OUTDIR_VARIABLE = "CDKTF_OUTDIR"


class SynthError(Exception):
    """The app refused the configuration or failed; the message holds its output."""


class Synthesis:
    """A synth running in the background (`start`); `wait` returns when it is written."""

    def __init__(self, environments: list[str], outdir: Path) -> None:
        env = terraform.environment()
        env[OUTDIR_VARIABLE] = str(outdir)
        env[ENVIRONMENTS_VARIABLE] = ",".join(environments)
        env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
        env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        self.environments = environments
        self.outdir = outdir
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "main.py")],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait(self) -> float:
        """Seconds since the start; raises SynthError when the app failed."""
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise SynthError(f"synth of {', '.join(self.environments)} failed:\n{output[-4000:]}")
        install_provider_lock(self.outdir, self.environments)
        return time.monotonic() - self.started

    def stop(self) -> None:
        """Abandon it (the caller stops before using the result)."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.communicate()


def install_provider_lock(outdir: Path, environments: list[str]) -> list[Path]:
    """The committed provider checksums into each synthesized stack directory of `environments`
    (tools/terraform/lock.py), so a plain `terraform init` there uses them too."""
    installed = []
    for environment in environments:
        for directory in sorted((outdir / "stacks").glob(f"*-{environment}")):
            if provider_lock.install(directory):
                installed.append(directory)
    return installed


def start(environments: list[str], outdir: Path = DEFAULT_OUTDIR) -> Synthesis:
    return Synthesis(environments, outdir)


def synthesize(environments: list[str], outdir: Path = DEFAULT_OUTDIR) -> None:
    start(environments, outdir).wait()
