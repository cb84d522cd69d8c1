"""`dailydesk`: one entry point for every operator command, `--help` on each, the make
targets as its aliases, and the command's own exit code reaching the caller."""

from __future__ import annotations

import re
import subprocess

import pytest

from tools import cli
from tools.deploy import engine, exit_codes
from tools.paths import REPO_ROOT

OPERATOR_COMMANDS = {
    "deploy", "plan", "apply", "rollback", "diff", "changeset", "preflight", "drift", "alarms", "sync-api-keys",
    "check-api-keys", "iam-policy", "policy-scan", "deploy-local", "destroy-local", "emulator",
}  # fmt: skip


def test_every_operator_command_is_a_subcommand():
    assert set(cli.COMMANDS) == OPERATOR_COMMANDS


@pytest.mark.parametrize("command", sorted(OPERATOR_COMMANDS))
def test_help_of_each_command(command, capsys):
    assert cli.main([command, "--help"]) == exit_codes.OK
    out = capsys.readouterr().out
    assert out.startswith("usage: dailydesk"), out[:200]


def test_help_lists_every_command_and_the_exit_code_table(capsys):
    assert cli.main(["--help"]) == exit_codes.OK
    out = capsys.readouterr().out
    for command in OPERATOR_COMMANDS:
        assert re.search(rf"^  {re.escape(command)} ", out, re.M), command
    for code, meaning in exit_codes.MEANING.items():
        assert f"  {code}  {meaning}" in out


def test_the_make_targets_are_aliases_of_the_cli():
    makefile = (REPO_ROOT / "Makefile").read_text()
    called = set(re.findall(r"\$\(PY\) -m tools ([a-z-]+)", makefile))
    assert called <= OPERATOR_COMMANDS
    assert OPERATOR_COMMANDS - {"emulator"} <= called | {"emulator"}
    assert not re.search(
        r"-m tools\.(deploy|changeset|preflight|drift|alarms|api_keys|iam_policies|policy_scan)", makefile
    )


def test_a_usage_error_is_an_error_not_changes(capsys):
    """argparse exits 2 on a usage error; 2 means "changes" in the table, so the CLI says 1."""
    assert cli.main(["deploy"]) == exit_codes.ERROR
    assert cli.main(["no-such-command"]) == exit_codes.ERROR
    assert "unknown command" in capsys.readouterr().err


@pytest.mark.parametrize("code", [exit_codes.ROLLED_BACK, exit_codes.ROLLBACK_FAILED, exit_codes.LEFT_AS_IS])
def test_the_engines_code_reaches_the_caller(code, monkeypatch):
    monkeypatch.setattr(engine, "run_command", lambda args: code)
    assert cli.main(["deploy", "parent-local"]) == code


def test_the_script_exits_with_the_commands_own_code():
    """Through the `dailydesk` script and the process boundary, as CI and scripts call it."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(REPO_ROOT / "dailydesk"), *args], capture_output=True, text=True, check=False)

    assert run("--help").returncode == exit_codes.OK
    unknown = run("check-api-keys", "--env", "qa")
    assert unknown.returncode == exit_codes.ERROR, unknown.stderr
    assert "unknown environment 'qa'" in unknown.stderr
    assert run("deploy", "nope-prod").returncode == exit_codes.ERROR
