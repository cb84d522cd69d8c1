"""`./dailydesk emulator start|stop|reset|status|patches|serve|seed ENV|faults [--fault JSON] [--clear]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from tools.emulator import server


def _default_port() -> int:
    from config.loader import load_environment
    from config.schema import EMULATED_ENVIRONMENT

    emulator = load_environment(EMULATED_ENVIRONMENT).emulator
    assert emulator is not None  # the schema requires it for `local`
    return emulator.port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk emulator", description=__doc__)
    parser.add_argument("command", choices=tuple(COMMANDS))
    parser.add_argument("environment", nargs="?", help="seed: the environment file to seed (default: the emulated one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=None, help="default: [emulator].port of config/environments/local.toml"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="JSON", help="faults: add one (see tools/emulator/faults.py)"
    )
    parser.add_argument("--clear", action="store_true", help="faults: clear every fault first")
    args = parser.parse_args(argv)
    host = server.require_loopback(args.host)
    port = args.port or _default_port()
    return COMMANDS[args.command](args, host, port, server.endpoint_of(host, port))


def _patches(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    from tools.emulator import patches

    for item in patches.list_patches():
        print(f"{item.service:26} {item.name:44} {', '.join(item.actions)}")
        print(f"{'':26} {item.summary}")
    return 0


def _serve(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    server.serve(host, port)
    return 0


def _start(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    started = server.start_background(host, port)
    print(f"emulator {'started' if started else 'already running'} on {endpoint} (log {server.log_file(port)})")
    return 0


def _stop(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    server.stop(host, port)
    print(f"emulator on {endpoint} stopped (if we had started it)")
    return 0


def _reset(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    server.reset(endpoint)
    print(f"emulator on {endpoint} reset")
    return 0


def _status(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    document = server.health(endpoint)
    print(json.dumps({"endpoint": endpoint, "running": document is not None, **(document or {})}, indent=2))
    return 0 if document else 1


def _seed(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    from config.loader import load_environment
    from config.schema import EMULATED_ENVIRONMENT
    from tools.emulator.seed import seed

    config = load_environment(args.environment or EMULATED_ENVIRONMENT)
    print(json.dumps(seed(config, endpoint), indent=2))
    return 0


def _faults(args: argparse.Namespace, host: str, port: int, endpoint: str) -> int:
    from tools.emulator import faults

    try:
        added = [json.loads(text) for text in args.fault]
        faults.parse_faults(added)
    except ValueError as error:
        print(f"error: --fault: {error}", file=sys.stderr)
        return 2
    if args.clear:
        faults.clear_faults(endpoint)
    if added:
        faults.set_faults(endpoint, *added)
    print(json.dumps(faults.list_faults(endpoint), indent=2))
    return 0


Command = Callable[[argparse.Namespace, str, int, str], int]
COMMANDS: dict[str, Command] = {
    "start": _start, "stop": _stop, "reset": _reset, "status": _status,
    "patches": _patches, "serve": _serve, "seed": _seed, "faults": _faults,
}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
