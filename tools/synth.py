"""Synthesize environments without the cdktf CLI: the app (`main.py`) in a subprocess.

The deploy engine drives Terraform itself, so it needs the synthesized JSON only; the
CLI would add a Node.js start and its spinner. The app reads the output directory from
`CDKTF_OUTDIR` (cdktf's `App` default) and the environments to build from
`DAILYDESK_ENVIRONMENTS`; the JSON is byte-identical to `cdktf synth`'s. One environment
takes about 5 s (the jsii runtime starts once).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import terraform
from tools.paths import DEFAULT_OUTDIR, REPO_ROOT

ENVIRONMENTS_VARIABLE = "DAILYDESK_ENVIRONMENTS"
OUTDIR_VARIABLE = "CDKTF_OUTDIR"


class SynthError(Exception):
    """The app refused the configuration or failed; the message holds its output."""


def synthesize(environments: list[str], outdir: Path = DEFAULT_OUTDIR) -> None:
    env = terraform.environment()
    env[OUTDIR_VARIABLE] = str(outdir)
    env[ENVIRONMENTS_VARIABLE] = ",".join(environments)
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SynthError(f"synth of {', '.join(environments)} failed:\n{(result.stdout + result.stderr)[-4000:]}")


def stack_directory(stack: str, outdir: Path = DEFAULT_OUTDIR) -> Path:
    return outdir / "stacks" / stack
