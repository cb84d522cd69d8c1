"""`dailydesk`: the one entry point of every operator command.

    ./dailydesk <command> [arguments]      # or: .venv/bin/python -m tools <command> [arguments]
    ./dailydesk <command> --help

The make targets are aliases of these commands. make turns every failure into its own exit
code 2, so scripts and CI call `./dailydesk` to see the command's real code (the table below,
tools/deploy/exit_codes.py).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

from tools.deploy import exit_codes

PROG = "dailydesk"


@dataclass(frozen=True)
class Command:
    module: str  # a module with `main(argv) -> int`
    prefix: tuple[str, ...]  # the arguments that select this command in the module's own parser
    summary: str


COMMANDS: dict[str, Command] = {
    "deploy": Command("tools.deploy.engine", ("deploy",), "preflight, plan, change set, guard, apply; roll back"),
    "plan": Command("tools.deploy.engine", ("plan",), "save a plan and its change set for review"),
    "apply": Command("tools.deploy.engine", ("apply",), "apply exactly a saved plan; roll back on failure"),
    "rollback": Command("tools.deploy.engine", ("rollback",), "apply the last good configuration again"),
    "diff": Command("tools.deploy.engine", ("diff",), "the change set of one stack, nothing saved"),
    "changeset": Command("tools.deploy.engine", ("changeset",), "change sets and guard of several stacks"),
    "preflight": Command("tools.preflight", (), "check the world outside Terraform of one environment"),
    "drift": Command("tools.drift", (), "refresh-only plans of every workspace of one environment, and its API keys"),
    "alarms": Command("tools.alarms", (), "the backend's alarms as CloudWatch has them"),
    "sync-api-keys": Command("tools.api_keys", ("sync",), "put each API key from its secret into its connection"),
    "check-api-keys": Command("tools.api_keys", ("check",), "does each connection hold its secret's key?"),
    "iam-policy": Command("tools.iam_policies", (), "a CI role's trust and IAM policies, or the boundary"),
    "policy-scan": Command("tools.policy_scan", (), "checkov on the synthesized JSON of all 12 stacks"),
    "deploy-local": Command("tools.local_environment", ("deploy",), "deploy `local` into the emulator"),
    "destroy-local": Command("tools.local_environment", ("destroy",), "destroy the `local` workspaces"),
    "emulator": Command("tools.emulator.__main__", (), "start, stop, seed or inspect the AWS emulator"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [
        f"usage: {PROG} <command> [arguments]   ({PROG} <command> --help for its arguments)",
        "",
        "commands:",
        *(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()),
        "",
        "exit codes (every command):",
        *(f"  {code}  {meaning}" for code, meaning in exit_codes.MEANING.items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return exit_codes.OK if args else exit_codes.ERROR
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        print(f"{PROG}: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return exit_codes.ERROR
    module = importlib.import_module(command.module)
    try:
        code: int = module.main([*command.prefix, *rest])
    except SystemExit as stop:
        # argparse exits 0 after --help and 2 after a usage error; 2 means "changes" here.
        code = exit_codes.OK if stop.code in (0, None) else exit_codes.ERROR
    return code
