"""Only the engine stops Terraform (issue 20, section 5), with real signals sent to the
engine's own process (tests/engine/runner.py, `./dailydesk deploy parent-local` on a fixture):

- SIGTERM (CI's cancel) and SIGHUP (a closed terminal) are one graceful cancel, like the first
  Ctrl-C: Terraform gets one SIGINT, `CANCELLED`, then the rollback, the state lock released;
- a SIGTERM after a Ctrl-C is not a second interrupt: the rollback still runs;
- one Ctrl-C during a rollback does not stop it; a second one does (LEFT_AS_IS, exit 6);
- a stdout that closes mid-apply (`make deploy | tee`, and tee dies) does not stop the engine;
- an engine that dies does not take Terraform with it: Terraform writes into its log file,
  not into a pipe.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.engine.fixtures import FAIL, EngineFixture, Resource, final_status, hang, marked, only_if, wait_for
from tools.deploy import exit_codes

EXIT_SECONDS = 60


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=EXIT_SECONDS)
    print(output)
    return process.returncode, output


def no_traceback(fixture: EngineFixture) -> bool:
    return "Traceback" not in (fixture.root / "stderr.log").read_text()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_mid_apply_cancels_then_rolls_back(fixture, signum):
    fixture.deployed({"a": Resource()})
    in_flight = fixture.root / "in-flight"
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=marked(in_flight, hang()))})

    process = fixture.start("deploy")
    wait_for(in_flight, process)
    process.send_signal(signum)
    code, output = finished(process)

    assert code == exit_codes.ROLLED_BACK
    name = signal.Signals(signum).name
    assert f"{name}: Terraform was asked to stop (one SIGINT) and is saving its state" in output
    assert "CANCELLED parent-local: interrupted by the operator; Terraform got one SIGINT" in output
    assert "CREATE_FAILED terraform_data.b (parent-local/b)" in output
    assert final_status(output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"a": "v1"}
    assert fixture.lock_is_free()
    assert no_traceback(fixture)


def test_a_sigterm_after_a_ctrl_c_is_not_a_second_interrupt(fixture):
    # GitHub Actions cancels a job with SIGINT, then SIGTERM 7.5 s later.
    fixture.deployed({"a": Resource()})
    in_flight = fixture.root / "in-flight"
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=marked(in_flight, hang()))})

    process = fixture.start("deploy")
    wait_for(in_flight, process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    code, output = finished(process)

    assert code == exit_codes.ROLLED_BACK
    assert "LEFT_AS_IS" not in output
    assert final_status(output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"a": "v1"}
    assert fixture.lock_is_free()


def slow_rollback(fixture: EngineFixture, seconds: float) -> tuple[subprocess.Popen[str], str]:
    """A deploy whose apply fails on its own and whose rollback then runs for `seconds`: the
    last good configuration's provisioner of `c` sleeps once the test has made `slow`, and the
    rollback re-creates `c` (the failed apply replaced it). Returns once the rollback runs."""
    slow, rolling_back = fixture.root / "slow", fixture.root / "rolling-back"
    command = only_if(slow, marked(rolling_back, hang(seconds)))
    fixture.deployed({"c": Resource(provisioner=command)})
    slow.touch()
    fixture.use({"c": Resource(input="v2", trigger="t2", provisioner=FAIL)})
    process = fixture.start("deploy")
    wait_for(rolling_back, process)
    return process, rolling_back.name


def test_one_ctrl_c_during_a_rollback_does_not_stop_it(fixture):
    process, _ = slow_rollback(fixture, 3)
    process.send_signal(signal.SIGINT)
    code, output = finished(process)

    assert code == exit_codes.ROLLED_BACK
    assert (
        "interrupt: the rollback continues (its Terraform was not signalled); Ctrl-C again to stop it and leave "
        "the workspace as is"
    ) in output
    assert final_status(output).startswith("ROLLBACK_COMPLETE parent-local")
    assert fixture.inputs() == {"c": "v1"}
    assert fixture.lock_is_free()


def test_two_ctrl_c_during_a_rollback_stop_it_and_leave_the_workspace_as_is(fixture):
    process, _ = slow_rollback(fixture, 60)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    code, output = finished(process)

    assert code == exit_codes.LEFT_AS_IS
    assert "interrupt again: no rollback will start, a running one is stopped" in output
    assert final_status(output).startswith("LEFT_AS_IS parent-local: the operator interrupted twice")
    assert "`make rollback STACK=parent-local`" in output
    assert fixture.lock_is_free()
    assert no_traceback(fixture)


@pytest.mark.parametrize(
    ("then", "expected", "status"),
    [("sleep 1", exit_codes.OK, "UPDATE_COMPLETE"), ("sleep 1; exit 1", exit_codes.ROLLED_BACK, "ROLLBACK_COMPLETE")],
    ids=["applied", "rolled-back"],
)
def test_a_stdout_closed_mid_apply_still_ends_cleanly(fixture, then, expected, status):
    fixture.deployed({"a": Resource()})
    in_flight = fixture.root / "in-flight"
    document = fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=marked(in_flight, then))})

    process = fixture.start("deploy")
    wait_for(in_flight, process)
    assert process.stdout is not None
    process.stdout.close()  # `make deploy | tee log`, and tee dies
    assert process.wait(timeout=EXIT_SECONDS) == expected

    (output_log,) = fixture.log_dir.glob("*-output.log")
    lines = output_log.read_text().splitlines()
    assert lines[0] == "# the output stream broke (BrokenPipeError); the engine's lines continue here"
    assert any(line.startswith(f"{status} parent-local") for line in lines)
    if expected == exit_codes.OK:
        assert fixture.inputs() == {"a": "v2", "b": "v1"}
        record = fixture.record()
        assert record is not None and record.configuration == document
    else:
        assert fixture.inputs() == {"a": "v1"}
    assert fixture.lock_is_free()
    assert no_traceback(fixture)


def test_terraform_outlives_an_engine_killed_mid_apply(fixture):
    """Terraform writes into its log file, not into a pipe: an engine killed outright (SIGKILL:
    nothing of it runs any more) leaves Terraform to finish and save its state."""
    fixture.deployed({"a": Resource()})
    in_flight = fixture.root / "in-flight"
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=marked(in_flight, "sleep 1; echo done"))})

    process = fixture.start("deploy")
    wait_for(in_flight, process)
    process.kill()
    process.wait(timeout=EXIT_SECONDS)

    deadline = time.monotonic() + EXIT_SECONDS
    while fixture.inputs() != {"a": "v2", "b": "v1"} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fixture.inputs() == {"a": "v2", "b": "v1"}
    # Terraform's own last words, in its log (the engine that would have read them is gone).
    deadline = time.monotonic() + EXIT_SECONDS
    while not applied_in_log(fixture) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert applied_in_log(fixture)
    assert fixture.lock_is_free()


def applied_in_log(fixture: EngineFixture) -> bool:
    return any(
        "Apply complete! Resources: 1 added, 1 changed, 0 destroyed." in log.read_text()
        for log in fixture.log_dir.glob("*-parent-local-apply.log")
    )
