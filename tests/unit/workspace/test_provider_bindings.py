"""The provider import shortcut changes nothing but speed: byte-identical synth output."""

import os
import subprocess
import sys

import pytest

import workspace.provider_bindings as bindings
from tools.paths import REPO_ROOT

SYNTH_WITH_FULL_IMPORT = """
import sys
import cdktf_cdktf_provider_aws  # the full package __init__: every resource module
assert len([m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]) > 2000
from cdktf import App
from config.schema import ENVIRONMENT_NAMES
from stacks.app import build_app
build_app(App(outdir=sys.argv[1]), list(ENVIRONMENT_NAMES)).synth()
"""


def test_the_shortcut_is_active_in_this_process(synthesized):
    import sys as _sys

    package = _sys.modules[bindings.PACKAGE]
    assert not hasattr(package, "accessanalyzer_analyzer"), "the full provider __init__ ran"
    loaded = [m for m in _sys.modules if m.startswith(bindings.PACKAGE + ".")]
    assert 0 < len(loaded) < 200


@pytest.mark.full_synth
def test_synth_is_byte_identical_with_the_full_provider_import(synthesized, tmp_path):
    outdir = tmp_path / "cdktf.out"
    env = {**os.environ, "DAILYDESK_FULL_PROVIDER_IMPORT": "1"}
    subprocess.run(
        [sys.executable, "-c", SYNTH_WITH_FULL_IMPORT, str(outdir)], cwd=REPO_ROOT, env=env, check=True, timeout=600
    )
    ours = sorted((synthesized.outdir / "stacks").glob("*/cdk.tf.json"))
    theirs = sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    assert [p.parent.name for p in ours] == [p.parent.name for p in theirs] and len(ours) == 12
    for mine, full in zip(ours, theirs, strict=True):
        assert mine.read_bytes() == full.read_bytes(), f"{mine.parent.name} differs"
