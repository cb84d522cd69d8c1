"""One sorted-JSON snapshot per stack per environment (tests/snapshots/<stack>.json).

Every change to what is synthesized shows up here as a reviewable diff of the Terraform
JSON. When a change is intended, write the new snapshots with `make snapshots` (pytest
`--update-snapshots`) and commit them with the change.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib

import pytest

from config.loader import EMULATOR_PORT_VARIABLE, ENVIRONMENTS_DIR
from tests.configs import STACKS
from tests.synth import strip_metadata
from tools.paths import REPO_ROOT

SNAPSHOTS = REPO_ROOT / "tests" / "snapshots"
MAX_DIFF_LINES = 60


def rendered(stack: dict) -> str:
    """The snapshot text: construct metadata dropped, keys sorted, and the `local` emulator
    endpoint as `make synth` writes it (a test session runs its own emulator on a free port)."""
    text = json.dumps(strip_metadata(stack), indent=2, sort_keys=True) + "\n"
    session_port = os.environ.get(EMULATOR_PORT_VARIABLE)
    if session_port:
        configured = tomllib.loads((ENVIRONMENTS_DIR / "local.toml").read_text())["emulator"]["port"]
        text = text.replace(f"http://127.0.0.1:{session_port}", f"http://127.0.0.1:{configured}")
    return text


@pytest.mark.parametrize("stack", STACKS)
def test_stack_matches_its_snapshot(synthesized, stack, request):
    path = SNAPSHOTS / f"{stack}.json"
    text = rendered(synthesized[stack])
    if request.config.getoption("--update-snapshots"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.relative_to(REPO_ROOT)}: run `make snapshots`"
    expected = path.read_text()
    if text != expected:
        diff = list(
            difflib.unified_diff(expected.splitlines(), text.splitlines(), "snapshot", "synthesized", lineterm="")
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES])
        if len(diff) > MAX_DIFF_LINES:
            shown += f"\n… {len(diff) - MAX_DIFF_LINES} more lines"
        pytest.fail(f"{stack} differs from its snapshot; if intended, run `make snapshots`:\n{shown}")


def test_no_stale_snapshot():
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.json")) == sorted(STACKS)
