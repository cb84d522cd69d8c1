"""Session fixtures: one synth of all 12 stacks (jsii start-up is expensive) shared by
every test, and the emulator for the tests marked `emulator`."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# As tools/env.sh does for make: keep jsii's Node.js notices out of test output.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CHECKPOINT_DISABLE", "1")

import workspace  # noqa: F401  (provider import shortcut first)


class Synthesized:
    """The synthesized app: `stacks[name]` is the parsed cdk.tf.json of a stack."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.stacks: dict[str, dict] = {
            path.name: json.loads((path / "cdk.tf.json").read_text()) for path in sorted((outdir / "stacks").iterdir())
        }

    def __getitem__(self, name: str) -> dict:
        return self.stacks[name]

    def stack_dir(self, name: str) -> Path:
        return self.outdir / "stacks" / name


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots", action="store_true", help="write tests/snapshots/ from this synth (see test_snapshots)"
    )


def pytest_configure(config: pytest.Config) -> None:
    # One private emulator port per test session, chosen before anything synthesizes, so
    # the `local` provider blocks of every synth in this process point at the session's
    # emulator and a developer's own emulator (port 4566) is left alone.
    # Each pytest-xdist worker is its own session with its own emulator.
    if os.environ.get("PYTEST_XDIST_WORKER") or "DAILYDESK_EMULATOR_PORT" not in os.environ:
        os.environ["DAILYDESK_EMULATOR_PORT"] = str(free_port())
    # The project's Terraform CLI config (provider mirror), also when pytest runs bare.
    from tools.terraform import config as terraformrc

    if not terraformrc.DEFAULT_OUTPUT.exists():
        terraformrc.main([])
    os.environ["TF_CLI_CONFIG_FILE"] = str(terraformrc.DEFAULT_OUTPUT)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from cdktf import App

    from stacks.app import build_app
    from tests.configs import ENVIRONMENTS

    # <tmp>/repo/cdktf.out mirrors the repository layout, so the local backends' relative
    # state paths (../../../state/...) land in <tmp>/repo/state, never in the real one.
    outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
    build_app(App(outdir=str(outdir)), environments=list(ENVIRONMENTS)).synth()
    return Synthesized(outdir)


@pytest.fixture
def make_stack(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict]:
    """Synthesize one stack on its own, its environment's config changed by dotted paths:
    `make_stack("backend", "local", **{"fargate.cpu": 512})` -> the parsed cdk.tf.json."""
    from cdktf import App

    from stacks.app import STACKS
    from tests.configs import environment

    def make(layer: str, env: str, **changes: object) -> dict:
        outdir = tmp_path_factory.mktemp("repo") / "cdktf.out"
        app = App(outdir=str(outdir))
        stack = STACKS[layer](app, environment(env, **changes))
        app.synth()
        return json.loads((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text())

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def emulator_endpoint() -> Iterator[str]:
    """The session's emulator (see pytest_configure), started or reused, then reset."""
    from tools.emulator import server

    port = int(os.environ["DAILYDESK_EMULATOR_PORT"])
    started = server.start_background("127.0.0.1", port)
    endpoint = f"http://127.0.0.1:{port}"
    server.reset(endpoint)
    yield endpoint
    if started:
        server.stop("127.0.0.1", port)
