#!/usr/bin/env python
"""cdktf entry point: validates every environment file, then synthesizes 3 stacks each."""

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
