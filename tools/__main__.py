"""`python -m tools <command>`: the same as `./dailydesk <command>` (tools/cli.py)."""

import sys

from tools.cli import main

sys.exit(main())
