"""tools.synth: the app in a subprocess, waited for or abandoned."""

from __future__ import annotations

import pytest

from tools import synth


def test_a_refused_configuration_is_raised_with_the_apps_words(tmp_path):
    synthesis = synth.start(["nope"], tmp_path / "cdktf.out")
    with pytest.raises(synth.SynthError) as caught:
        synthesis.wait()
    assert str(caught.value).startswith("synth of nope failed:")
    assert "unknown environment 'nope'" in str(caught.value)
    assert not (tmp_path / "cdktf.out").exists()


def test_a_stopped_synth_is_ended_and_writes_nothing(tmp_path):
    synthesis = synth.start(["local"], tmp_path / "cdktf.out")
    synthesis.stop()
    assert synthesis.process.returncode is not None
    assert not (tmp_path / "cdktf.out" / "stacks").exists()
