#!/usr/bin/env python
"""The app (cdktf's entry point, and `tools.synth`'s subprocess): validates every selected
environment file, then synthesizes one stack per layer (`workspace.layers`) of each.

The environments are those named in `DAILYDESK_ENVIRONMENTS` (default: all); the output
directory is `CDKTF_OUTDIR` (cdktf's default: cdktf.out). A bad configuration prints every
error (file, field, what is wrong) and exits 1 before anything is written, and before the
stacks are imported: a refused file costs no jsii start (~5 CPU-s).
"""

import sys

from config import ConfigError, load_environments
from config.loader import selected_environments


def main() -> int:
    try:
        configs = load_environments(selected_environments())
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    import workspace  # noqa: F401  (must come before anything imports the provider)
    from stacks.app import build_app  # starts jsii: only for a valid configuration

    build_app(configs=configs).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
