"""The engine's progress lines when its output breaks (`make deploy | tee`, and tee dies; a
closed terminal): the command goes on, its lines go to `<run>-output.log`."""

from __future__ import annotations

import io

from tools.deploy.progress import Progress


class Broken(io.StringIO):
    """A stream whose reader is gone."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def test_lines_that_cannot_be_written_go_to_the_output_log(tmp_path):
    progress = Progress(Broken(BrokenPipeError(32, "Broken pipe")), live=True, log_dir=tmp_path)
    with progress.running("parent-local", "apply"):
        progress.line("parent-local     apply           1 added, 0 changed, 0 destroyed   1 s")
        progress.line("UPDATE_COMPLETE parent-local")
    progress.close()
    progress.line("exit code 0")
    assert progress.output_log.read_text().splitlines() == [
        "# the output stream broke (BrokenPipeError); the engine's lines continue here",
        "parent-local     apply           1 added, 0 changed, 0 destroyed   1 s",
        "UPDATE_COMPLETE parent-local",
        "exit code 0",
    ]
    assert not progress.live  # no status line is drawn into a dead stream


def test_a_hung_up_terminal_is_a_broken_stream_too(tmp_path):
    progress = Progress(Broken(OSError(5, "Input/output error")), live=False, log_dir=tmp_path)
    progress.line("CANCELLED parent-local")
    assert "CANCELLED parent-local" in progress.output_log.read_text()
