"""Provider-less fixture workspaces for the deploy engine's semantics (issue 23, item 1).

A fixture is a fake repository in a temporary directory, laid out as the real one:

    <tmp>/repo/cdktf.out/stacks/parent-local/cdk.tf.json   the configuration Terraform runs
    <tmp>/repo/state/local/parent-local.tfstate            its local backend's state
    <tmp>/repo/state/local/parent-local.last-good.json     the engine's last good record (FileStore)
    <tmp>/repo/.deploy-logs/                               the engine's logs

Its configuration holds only Terraform's built-in `terraform_data` resources: no provider
plugin starts (an AWS provider start costs ~2.7 CPU-s), so a deploy takes a fraction of a
second. Faults come from `local-exec` provisioners, which run when a resource is created:
`SUCCEED`, `FAIL` (exit 1), `hang()` (sleep), `marked()` (touch a file the test waits for).
A change of `triggers_replace` replaces a resource, so an "update" runs its provisioner again.

The engine runs through its real entry points: in-process (`EngineFixture.run(engine.deploy,
…)`, `Workspace(load_environment("local"), "parent", directory)`), or as its own process with
real signals (`EngineFixture.start`, tests/engine/runner.py: `./dailydesk`'s command line).
"""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from config import EnvironmentConfig, load_environment
from tools.deploy import engine, exit_codes, last_good
from tools.deploy.engine import Options
from tools.deploy.progress import Progress, log_dir_for
from tools.deploy.steps import Context
from tools.deploy.workspace import Workspace
from tools.paths import REPO_ROOT
from tools.terraform import cli as terraform

T = TypeVar("T")
STACK = "parent-local"
SUCCEED = "true"
FAIL = "echo 'the fixture fails here' >&2; exit 1"


def hang(seconds: float = 60) -> str:
    """A provisioner that hangs (`exec`: the sleep gets Terraform's SIGINT itself, no orphan)."""
    return f"exec sleep {seconds}"


def marked(marker: Path, then: str = SUCCEED) -> str:
    """A provisioner that touches `marker` (the test's sign that it runs), then runs `then`."""
    return f"touch {shlex.quote(str(marker))}; {then}"


def only_if(switch: Path, command: str) -> str:
    """A provisioner that runs `command` only while the file `switch` exists: one configuration
    (a last good one) behaves differently when the rollback applies it again."""
    return f"if [ -e {shlex.quote(str(switch))} ]; then {command}; fi"


@dataclass(frozen=True)
class Resource:
    """One `terraform_data` resource: its input, a replacement trigger and a create provisioner."""

    input: str = "v1"
    trigger: str = "t1"
    provisioner: str | None = None

    def body(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "//": {"metadata": {"path": f"{STACK}/{name}"}},
            "input": self.input,
            "triggers_replace": [self.trigger],
        }
        if self.provisioner is not None:
            body["provisioner"] = [{"local-exec": {"command": self.provisioner}}]
        return body


@dataclass(frozen=True)
class EngineRun:
    code: int
    output: str


class EngineFixture:
    """One fake repository with the parent-local workspace of `terraform_data` resources."""

    def __init__(self, root: Path, config: EnvironmentConfig | None = None) -> None:
        self.root = root / "repo"
        self.outdir = self.root / "cdktf.out"
        self.directory = self.outdir / "stacks" / STACK
        self.directory.mkdir(parents=True)
        # The engine reads the backend from the config (where the last good record is kept);
        # Terraform reads it from the document: a cloud config here is Terraform Cloud's
        # "no last good configuration of ours" with a local state file underneath.
        self.config = config or load_environment("local")
        self.workspace = Workspace(self.config, "parent", self.directory)
        self.log_dir = log_dir_for(self.outdir)

    # ------------------------------------------------------------------ the configuration

    def document(self, resources: dict[str, Resource], **extra: Any) -> dict[str, Any]:
        """A cdk.tf.json of `resources` with the local backend where the real parent-local has it."""
        state = os.path.relpath(self.state_file, self.directory)
        document: dict[str, Any] = {
            "terraform": {"backend": {"local": {"path": state}}},
            "resource": {"terraform_data": {name: r.body(name) for name, r in resources.items()}},
        }
        return document | extra

    def use(self, resources: dict[str, Resource], **extra: Any) -> dict[str, Any]:
        """Write the configuration the next engine command plans (as a synth would)."""
        document = self.document(resources, **extra)
        self.workspace.configuration_file.write_text(json.dumps(document, indent=2))
        return document

    # ------------------------------------------------------------------ what Terraform and the engine left

    @property
    def state_file(self) -> Path:
        return self.root / "state" / "local" / f"{STACK}.tfstate"

    @property
    def record_file(self) -> Path:
        return self.root / "state" / "local" / f"{STACK}.last-good.json"

    def record(self) -> last_good.Record | None:
        return last_good.FileStore(self.record_file).read()

    def _instances(self) -> list[tuple[str, dict[str, Any]]]:
        state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        return [(r["name"], i) for r in state.get("resources", []) for i in r.get("instances", [])]

    def inputs(self) -> dict[str, str]:
        """`terraform_data` name -> its input, of each instance in state (tainted ones marked)."""
        found = {}
        for name, instance in self._instances():
            tainted = " (tainted)" if instance.get("status") == "tainted" else ""
            # `input` is dynamically typed: state keeps it as {"value": …, "type": …}
            found[name] = instance["attributes"]["input"]["value"] + tainted
        return found

    def triggers(self) -> dict[str, str]:
        """`terraform_data` name -> its replacement trigger, as in state."""
        return {name: instance["attributes"]["triggers_replace"]["value"][0] for name, instance in self._instances()}

    def deployed(self, resources: dict[str, Resource]) -> dict[str, Any]:
        """The workspace after a clean engine deploy of `resources` (its last good configuration)."""
        document = self.use(resources)
        run = self.run(engine.deploy, Options(show_changeset=False))
        assert run.code == exit_codes.OK, run.output
        return document

    def lock_is_free(self) -> bool:
        """A plan that refuses to wait for the state lock runs."""
        result = terraform.run(
            self.directory, "plan", "-input=false", "-no-color", "-lock-timeout=0s", "-refresh=false", check=False
        )
        return result.returncode == 0

    # ------------------------------------------------------------------ running the engine

    def context(self, stream: io.StringIO) -> Context:
        return Context(progress=Progress(stream, live=False, log_dir=self.log_dir))

    def run(self, step: Callable[..., int], *args: object, **kwargs: object) -> EngineRun:
        """Run one engine entry point in this process (engine.deploy, engine.continue_rollback, …)."""
        return run_step(self.workspace, self.log_dir, step, *args, **kwargs)

    def start(self, *argv: str, stdout: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
        """`./dailydesk <command> parent-local …` on this fixture, as its own process
        (tests/engine/runner.py); its stderr goes to `stderr.log` in the repository."""
        environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        return subprocess.Popen(
            [sys.executable, "-m", "tests.engine.runner", str(self.outdir), *argv],
            cwd=REPO_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=(self.root / "stderr.log").open("a"),
            text=True,
        )


def captured(workspace: Workspace, log_dir: Path, call: Callable[[Workspace, Context], T]) -> tuple[T, str]:
    """`call(workspace, context)` with the engine's progress written to a string: its result
    and what it printed (also printed, so pytest shows the engine's own words on failure)."""
    stream = io.StringIO()
    context = Context(progress=Progress(stream, live=False, log_dir=log_dir))
    result = call(workspace, context)
    context.progress.close()
    print(stream.getvalue())
    return result, stream.getvalue()


def run_step(
    workspace: Workspace, log_dir: Path, step: Callable[..., int], *args: object, **kwargs: object
) -> EngineRun:
    """One engine entry point (engine.deploy, engine.apply_saved_plan, …): its exit code and output."""
    code, output = captured(workspace, log_dir, lambda ws, context: step(ws, context, *args, **kwargs))
    return EngineRun(code, output)


def final_status(output: str) -> str:
    """The engine's last CloudFormation-style status line (ROLLBACK_* or LEFT_AS_IS)."""
    return [line for line in output.splitlines() if line.startswith(("ROLLBACK_", "LEFT_AS_IS"))][-1]


def wait_for(path: Path, process: subprocess.Popen[str] | None = None, timeout: float = 60) -> None:
    """Until `path` exists (a provisioner's marker); fails early if `process` ended first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the engine exited ({process.returncode}) before {path.name} appeared")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} did not appear within {timeout} s")
        time.sleep(0.05)
