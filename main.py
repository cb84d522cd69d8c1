#!/usr/bin/env python
"""The app (cdktf's entry point, and `tools.synth`'s subprocess): validates every selected
environment file, then synthesizes one stack per layer (`workspace.layers`) of each.

The environments are those named in `DAILYDESK_ENVIRONMENTS` (default: all); the output
directory is `CDKTF_OUTDIR` (cdktf's default: cdktf.out). A bad configuration prints every
error (file, field, what is wrong) and exits 1 before anything is written.
"""

import sys

import workspace  # noqa: F401  (must come before anything imports the provider)
from config import ConfigError
from stacks.app import build_app


def main() -> int:
    try:
        app = build_app()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
