"""The main job: deploy (or destroy) the three `local` workspaces into the AWS emulator.

    ./dailydesk deploy-local   # make deploy-local
    ./dailydesk destroy-local  # make destroy-local

deploy: start (or reuse) the emulator on the configured loopback port, seed the world
the spec says is not ours, check it with the preflight, synthesize once, then deploy each
workspace through the deploy engine (tools/deploy/engine.py: plan, guard, apply, rollback on
failure), in dependency order, and print what was created. One line per workspace step;
Terraform's full output goes to .deploy-logs/. destroy goes the other way.

The order is parent first, then backend and frontend side by side: both read only the
parent's outputs (remote state), never each other's state, so nothing orders them; the
frontend's notification target names the backend's topic by ARN, which EventBridge
accepts before the topic exists. Running them together takes the frontend's fixed
provider waits (S3 lifecycle ~55 s) off the critical path.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import EMULATED_ENVIRONMENT, EnvironmentConfig
from tools import synth
from tools.deploy import engine, exit_codes
from tools.deploy.engine import Options
from tools.deploy.progress import Progress, log_dir_for
from tools.deploy.steps import Context, StepError, failure_lines, init
from tools.deploy.steps import destroy as steps_destroy
from tools.deploy.workspace import Workspace
from tools.paths import DEFAULT_OUTDIR
from workspace.layers import NAMES as LAYERS
from workspace.layers import waves

ENVIRONMENT = EMULATED_ENVIRONMENT


def state_file(config: EnvironmentConfig, outdir: Path, layer: str) -> Path:
    return Workspace.of(config, layer, outdir).local_state_file


def read_state(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def managed_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in state.get("resources", []) if r.get("mode") == "managed"]


def summary(config: EnvironmentConfig, outdir: Path) -> str:
    lines = [f"Environment {config.name!r} in the emulator at {config.emulator.endpoint if config.emulator else '?'}"]
    total = 0
    for layer in LAYERS:
        state = read_state(state_file(config, outdir, layer))
        resources = managed_resources(state)
        count = sum(len(r.get("instances", [])) for r in resources)
        total += count
        by_type = Counter(r["type"] for r in resources for _ in r.get("instances", []))
        lines.append(f"\n{config.namer.stack(layer)}: {count} resources")
        for rtype, n in sorted(by_type.items()):
            lines.append(f"  {n:4d}  {rtype}")
        outputs = state.get("outputs", {})
        shown = {
            k: v["value"]
            for k, v in sorted(outputs.items())
            if isinstance(v.get("value"), (str, int, float)) and not v.get("sensitive")
        }
        if shown:
            lines.append("  outputs:")
            lines.extend(f"    {k} = {v}" for k, v in shown.items())
    lines.append(f"\nTotal: {total} resources in {len(LAYERS)} workspaces")
    return "\n".join(lines)


def _workspaces(config: EnvironmentConfig, outdir: Path, layers: tuple[str, ...]) -> list[list[Workspace]]:
    return [[Workspace.of(config, layer.name, outdir) for layer in wave] for wave in waves(layers)]


def _side_by_side(step: Callable[[Workspace], int], wave: list[Workspace]) -> list[int]:
    """Run `step` for each workspace of a wave at once (each has its own state)."""
    with ThreadPoolExecutor(max_workers=len(wave)) as pool:
        return list(pool.map(step, wave))


def deploy(
    config: EnvironmentConfig,
    outdir: Path = DEFAULT_OUTDIR,
    layers: tuple[str, ...] = LAYERS,
    *,
    context: Context | None = None,
) -> int:
    """Start and seed the emulator, preflight, synthesize, then deploy wave by wave through
    the engine; the exit code of the worst workspace (tools/deploy/exit_codes.py)."""
    from tools.emulator import seed, server

    assert config.emulator is not None, "only an emulator environment deploys locally"
    started = time.monotonic()
    context = context or Context(progress=Progress(log_dir=log_dir_for(outdir)))
    progress = context.progress
    emulator = config.emulator
    # The synth needs neither the emulator nor the preflight: it runs while they do (~5 s).
    synthesis = synth.start([config.name], outdir)
    try:
        reused = not server.start_background(emulator.host, emulator.port)
        seed.seed(config, emulator.endpoint)
        progress.step(config.name, "emulator", f"{'reused' if reused else 'started'} {emulator.endpoint}, seeded")
        run_preflight(config, progress)
    except BaseException:
        synthesis.stop()
        raise
    progress.line(f"logs: {progress.logs_pattern()}")
    codes: list[int] = []
    try:
        with context.interrupts.handling_signals():
            progress.step(config.name, "synth", "ok", synthesis.wait())
            options = Options(show_changeset=False)
            for wave in _workspaces(config, outdir, layers):
                codes += _side_by_side(lambda workspace: engine.deploy(workspace, context, options), wave)
                if exit_codes.worst(codes) not in (exit_codes.OK, exit_codes.CHANGES):
                    break  # what comes next reads what failed here
    finally:
        progress.close()
    code = exit_codes.worst(codes)
    if code == exit_codes.OK:
        print("\n" + summary(config, outdir))
    print(f"\ndeploy-local took {time.monotonic() - started:.0f} s")
    return code


def run_preflight(config: EnvironmentConfig, progress: Progress) -> None:
    """Stop before touching anything when the pre-existing world is incomplete."""
    if not engine.quiet_preflight(config, progress):
        raise SystemExit("preflight failed: nothing was deployed")


def destroy(
    config: EnvironmentConfig,
    outdir: Path = DEFAULT_OUTDIR,
    layers: tuple[str, ...] = LAYERS,
    *,
    context: Context | None = None,
) -> int:
    from tools.emulator import server

    assert config.emulator is not None
    started = time.monotonic()
    if not server.is_running(config.emulator.endpoint):
        raise SystemExit(
            f"the emulator is not running at {config.emulator.endpoint}: nothing to destroy "
            "(its state is gone with it; remove state/local/ to start over)"
        )
    context = context or Context(progress=Progress(log_dir=log_dir_for(outdir)))
    progress = context.progress
    progress.line(f"logs: {progress.logs_pattern()}")
    failed = False
    try:
        with context.interrupts.handling_signals():
            synth_started = time.monotonic()
            synth.synthesize([config.name], outdir)
            progress.step(config.name, "synth", "ok", time.monotonic() - synth_started)

            def destroy_one(workspace: Workspace) -> int:
                if not managed_resources(read_state(state_file(config, outdir, workspace.layer))):
                    progress.step(workspace.stack, "destroy", "nothing deployed")
                    return exit_codes.OK
                if context.interrupts.cancelled:
                    return exit_codes.ERROR
                try:
                    init(workspace, context)
                except StepError as error:
                    progress.line(f"error: {error}")
                    return exit_codes.ERROR
                result = steps_destroy(workspace, context)
                for line in failure_lines(workspace, result.log.failed_resources()):
                    progress.line(line)
                if not result.ok:
                    return exit_codes.ERROR
                workspace.store().delete()  # nothing deployed: the next deploy is a first one
                return exit_codes.OK

            for wave in reversed(_workspaces(config, outdir, layers)):
                if any(code != exit_codes.OK for code in _side_by_side(destroy_one, wave)):
                    failed = True
                    break  # the parent is still read by what failed to go
    finally:
        progress.close()
    print(f"\ndestroy-local took {time.monotonic() - started:.0f} s")
    return exit_codes.ERROR if failed else exit_codes.OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("deploy", "destroy", "summary"))
    args = parser.parse_args(argv)
    try:
        config = load_environment(ENVIRONMENT)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.action == "summary":
        print(summary(config, DEFAULT_OUTDIR))
        return exit_codes.OK
    from tools.emulator.server import EmulatorError

    try:
        return deploy(config) if args.action == "deploy" else destroy(config)
    except (synth.SynthError, EmulatorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_codes.ERROR


if __name__ == "__main__":
    sys.exit(main())
