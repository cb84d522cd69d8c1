"""Which real environments a change touches: the CI plans (preflight + change set) only those.

    git diff --name-only origin/main...HEAD | python -m tools.touched_environments
    # -> ["dev", "prod"]   (a JSON list, for a GitHub Actions matrix)

An environment's own file touches that environment; anything every stack is built from
(stacks, constructs, the schema, the defaults, the pinned toolchain) touches all of them.
Documentation, tests and operator tools touch none. `local` is never planned in CI: the
emulator tests deploy it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from config.schema import EMULATED_ENVIRONMENT, ENVIRONMENT_NAMES

REAL_ENVIRONMENTS = tuple(name for name in ENVIRONMENT_NAMES if name != EMULATED_ENVIRONMENT)
# Inputs of every synthesized stack: a change here may change any environment's plan.
SHARED_PREFIXES = (
    "stacks/", "constructs_lib/", "workspace/", "config/schema.py", "config/loader.py", "config/__init__.py",
    "config/defaults.toml", "main.py", "cdktf.json", "Pipfile.lock", "package-lock.json", "tools/terraform/config.py",
)  # fmt: skip
ENVIRONMENT_FILE = "config/environments/{}.toml"


def touched(paths: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for path in (p.strip() for p in paths):
        if not path:
            continue
        if path.startswith(SHARED_PREFIXES):
            return list(REAL_ENVIRONMENTS)
        found.update(name for name in REAL_ENVIRONMENTS if path == ENVIRONMENT_FILE.format(name))
    return [name for name in REAL_ENVIRONMENTS if name in found]


def main() -> int:
    print(json.dumps(touched(sys.stdin.read().splitlines())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
