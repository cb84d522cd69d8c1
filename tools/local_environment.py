"""The main job: deploy (or destroy) the three `local` workspaces into the AWS emulator.

    python -m tools.local_environment deploy   # make deploy-local
    python -m tools.local_environment destroy  # make destroy-local

deploy: start (or reuse) the emulator on the configured loopback port, seed the world
the spec says is not ours, check it with the preflight, synthesize once, then
`cdktf deploy` in dependency order with the local backend, and print what was created.
destroy goes the other way.

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
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import EnvironmentConfig, LocalState
from tools import cdktf_cli, preflight
from tools.paths import DEFAULT_OUTDIR
from workspace.layers import NAMES as LAYERS
from workspace.layers import waves
from workspace.naming import Namer
from workspace.state_locations import local_state_path

ENVIRONMENT = "local"


def state_file(config: EnvironmentConfig, outdir: Path, layer: str) -> Path:
    assert isinstance(config.state, LocalState)
    stack_dir = outdir / "stacks" / Namer(config.project, config.name).stack(layer)
    return (stack_dir / local_state_path(config, Namer(config.project, config.name), layer, config.state)).resolve()


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
        lines.append(f"\n{Namer(config.project, config.name).stack(layer)}: {count} resources")
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


def deploy(config: EnvironmentConfig, outdir: Path = DEFAULT_OUTDIR, layers: tuple[str, ...] = LAYERS) -> None:
    from tools.emulator import seed, server

    assert config.emulator is not None, "only an emulator environment deploys locally"
    started = time.monotonic()
    emulator = config.emulator
    reused = not server.start_background(emulator.host, emulator.port)
    print(f"emulator: {'reusing' if reused else 'started'} {emulator.endpoint}", flush=True)
    seed.seed(config, emulator.endpoint)
    print(
        "emulator: seeded the pre-existing world (manual parameters, secrets, network, certificate, hosting)",
        flush=True,
    )
    run_preflight(config)
    cdktf_cli.run(["synth"], environments=[config.name], outdir=outdir)
    namer = Namer(config.project, config.name)
    for wave in waves(layers):
        stacks = [namer.stack(layer.name) for layer in wave]
        print(f"\n=== deploying {' and '.join(stacks)}", flush=True)
        cdktf_cli.run(
            ["deploy", *stacks, "--auto-approve", "--skip-synth", "--skip-provider-lock"],
            environments=[config.name],
            outdir=outdir,
        )
    print("\n" + summary(config, outdir))
    print(f"\ndeploy-local took {time.monotonic() - started:.0f} s")


def run_preflight(config: EnvironmentConfig) -> None:
    """Stop before touching anything when the pre-existing world is incomplete."""
    if preflight.main([f"--env={config.name}"]) != 0:
        raise SystemExit("preflight failed: nothing was deployed")


def destroy(config: EnvironmentConfig, outdir: Path = DEFAULT_OUTDIR, layers: tuple[str, ...] = LAYERS) -> None:
    from tools.emulator import server

    assert config.emulator is not None
    started = time.monotonic()
    if not server.is_running(config.emulator.endpoint):
        raise SystemExit(
            f"the emulator is not running at {config.emulator.endpoint}: nothing to destroy "
            "(its state is gone with it; remove state/local/ to start over)"
        )
    cdktf_cli.run(["synth"], environments=[config.name], outdir=outdir)
    namer = Namer(config.project, config.name)
    for wave in reversed(waves(layers)):
        deployed = [
            layer.name for layer in wave if managed_resources(read_state(state_file(config, outdir, layer.name)))
        ]
        for layer in {layer.name for layer in wave} - set(deployed):
            print(f"=== {namer.stack(layer)}: nothing deployed", flush=True)
        if not deployed:
            continue
        stacks = [namer.stack(layer) for layer in deployed]
        print(f"\n=== destroying {' and '.join(stacks)}", flush=True)
        cdktf_cli.run(
            ["destroy", *stacks, "--auto-approve", "--skip-synth", "--skip-provider-lock"],
            environments=[config.name],
            outdir=outdir,
        )
    print(f"\ndestroy-local took {time.monotonic() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("deploy", "destroy", "summary"))
    args = parser.parse_args(argv)
    try:
        config = load_environment(ENVIRONMENT)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    action = {"deploy": deploy, "destroy": destroy, "summary": lambda c: print(summary(c, DEFAULT_OUTDIR))}
    return cdktf_cli.exit_code(lambda: action[args.action](config))


if __name__ == "__main__":
    sys.exit(main())
