"""`make diff STACK=…` and `make deploy STACK=…` for one workspace.

    python -m tools.workspace_runner diff backend-prod
    python -m tools.workspace_runner deploy backend-prod

Checks the stack name and the credentials first (a clear message instead of a hang).
For a real environment, both go through the change set and its guard (tools/changeset.py):
`diff` synthesizes, plans and prints the change set; `deploy` does the same, stops if the
guard blocks the plan, and otherwise applies *that saved plan*, so what was reviewed is what
is applied. Name a stateful resource the plan may remove or replace with
`--allow ADDRESS` (make: ALLOW="addr …"). The emulator environment runs the pinned cdktf CLI
with `--skip-provider-lock` (the registry is not needed: providers come from the mirror
named in .terraform.d/terraformrc).
"""

from __future__ import annotations

import argparse
import sys

from config import ConfigError, load_environment
from tools import cdktf_cli, changeset, preflight, terraform
from tools.credentials import missing_credentials
from tools.paths import DEFAULT_OUTDIR
from tools.stacks import parse_stack


def through_changeset(action: str, stack: str, environment: str, *, allowed: list[str]) -> int:
    """Plan, print the change set, apply the saved plan only on `deploy` and only if the guard passes.

    Exit codes are the change set's (0 no changes, 2 changes, 3 blocked, 1 error) for
    `diff`; `deploy` returns 0 once applied (or when there is nothing to apply)."""
    stack_dir = DEFAULT_OUTDIR / "stacks" / stack
    try:
        cdktf_cli.run(["synth"], environments=[environment], capture=True)
        plan = changeset.plan_stack(stack_dir, allowed=allowed)
    except (cdktf_cli.CommandError, terraform.TerraformError) as error:
        print(f"error: {error}", file=sys.stderr)
        return changeset.EXIT_ERROR
    print(changeset.render(plan), flush=True)
    if plan.exit_code == changeset.EXIT_BLOCKED:
        print(f"\n{stack}: not applied: the guard blocked this plan", file=sys.stderr)
        return changeset.EXIT_BLOCKED
    if action == "diff":
        return plan.exit_code
    if plan.exit_code == changeset.EXIT_NO_CHANGES:
        print(f"\n{stack}: no changes, nothing to apply")
        return 0
    print(f"\n{stack}: applying the reviewed plan {stack_dir / changeset.DEFAULT_PLAN_FILE}", flush=True)
    return 0 if terraform.apply_saved_plan(stack_dir, changeset.DEFAULT_PLAN_FILE) == 0 else changeset.EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("diff", "deploy"))
    parser.add_argument("stack")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a stateful resource the plan may remove or replace (repeatable)",
    )
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
    if config.emulator is None:
        # Terraform does not roll back: a missing manual piece must stop the deploy before it starts.
        if args.action == "deploy" and preflight.main([f"--env={environment}"]) != 0:
            print(f"error: {args.stack}: not deployed: the preflight found missing or unusable items", file=sys.stderr)
            return 1
        return through_changeset(args.action, args.stack, environment, allowed=args.allow)
    # The emulator environment: disposable, so cdktf plans and applies it directly.
    command = [args.action, args.stack, "--skip-provider-lock"]
    if args.action == "deploy":
        command.append("--auto-approve")
    return cdktf_cli.exit_code(lambda: cdktf_cli.run(command, environments=[environment]))


if __name__ == "__main__":
    sys.exit(main())
