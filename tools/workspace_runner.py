"""`make diff STACK=…` and `make deploy STACK=…` for one workspace.

    python -m tools.workspace_runner diff backend-prod
    python -m tools.workspace_runner deploy backend-prod

Checks the stack name and the credentials first (a clear message instead of a hang),
then runs the pinned cdktf CLI with `--skip-provider-lock` (the registry is not needed:
providers come from the mirror named in .terraform.d/terraformrc).
"""

from __future__ import annotations

import argparse
import sys

from config import ConfigError, load_environment
from config.schema import ENVIRONMENT_NAMES
from tools import cdktf_cli
from tools.credentials import missing_credentials

LAYERS = ("parent", "backend", "frontend")


def parse_stack(stack: str) -> tuple[str, str]:
    layer, _, environment = stack.partition("-")
    if layer not in LAYERS or environment not in ENVIRONMENT_NAMES:
        raise ValueError(
            f"unknown stack {stack!r}: stacks are <layer>-<env> with layer in {', '.join(LAYERS)} "
            f"and env in {', '.join(ENVIRONMENT_NAMES)}"
        )
    return layer, environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("diff", "deploy"))
    parser.add_argument("stack")
    args = parser.parse_args(argv)
    try:
        _, environment = parse_stack(args.stack)
        config = load_environment(environment)
    except (ValueError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problems = missing_credentials(config)
    if problems:
        print(f"error: cannot plan {args.stack}:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return 2
    command = [args.action, args.stack, "--skip-provider-lock"]
    if args.action == "deploy":
        command.append("--auto-approve" if config.emulator is not None else "")
    try:
        cdktf_cli.run([c for c in command if c], environments=[environment])
    except cdktf_cli.CommandFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
