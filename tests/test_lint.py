"""Lint and types as tests, so `make test` runs them beside the others (pytest-xdist) instead
of before them: ruff (lint + format check) and mypy (strict for config/, workspace/,
constructs_lib/; pyproject.toml). `make lint` runs the same three commands directly."""

from __future__ import annotations

import subprocess

import pytest

from tools.paths import REPO_ROOT

pytestmark = pytest.mark.lint

COMMANDS = {
    "ruff check": [".venv/bin/ruff", "check", "."],
    "ruff format": [".venv/bin/ruff", "format", "--check", "."],
    "mypy": [".venv/bin/mypy"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_clean(name):
    completed = subprocess.run(COMMANDS[name], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, f"{name} found problems:\n{completed.stdout}{completed.stderr}"
