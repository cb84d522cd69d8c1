"""The arrows point down: config <- workspace <- constructs_lib <- stacks; tools read
workspace and config, never the stacks or constructs; no import cycle anywhere; the tools
that read the catalogue, the layers or a plan never start the jsii runtime."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.paths import REPO_ROOT

PACKAGES = ("config", "workspace", "constructs_lib", "stacks", "tools")
# What each package may import of the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "workspace": {"config"},
    "constructs_lib": {"workspace"},
    "stacks": {"config", "workspace", "constructs_lib"},
    "tools": {"config", "workspace"},
    "main": {"config", "workspace", "stacks"},
}


def modules() -> dict[str, Path]:
    found = {"main": REPO_ROOT / "main.py"}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The project modules `name` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            # `from package import module` imports the module when it is one.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for imported in targets:
            target = imported
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


GRAPH = {name: set(imports(name, path, set(modules()))) for name, path in modules().items()}


def top(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    forbidden = {target for target in GRAPH[module] if top(target) not in ALLOWED[top(module)] | {top(module)}}
    assert not forbidden, f"{module} imports {sorted(forbidden)}; {top(module)} may import only {ALLOWED[top(module)]}"


def test_no_constructs_module_reads_the_config():
    readers = sorted(
        m for m, targets in GRAPH.items() if top(m) == "constructs_lib" and any(top(t) == "config" for t in targets)
    )
    assert readers == []


def test_no_import_cycles():
    """Depth-first search over the module graph; a back edge is a cycle."""
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target] if target in trail else [module, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_only_the_emulator_reaches_the_fault_switch():
    """tools/emulator/faults.py makes AWS calls fail on purpose: no production path may import it."""
    importers = sorted(m for m, targets in GRAPH.items() if "tools.emulator.faults" in targets)
    assert "tools.emulator.server" in importers
    assert [m for m in importers if not m.startswith("tools.emulator.")] == []


@pytest.mark.parametrize(
    "module",
    [
        "tools.alarms",
        "tools.api_keys",
        "tools.changeset",
        "tools.deploy.engine",
        "tools.drift",
        "tools.iam_policies",
        "tools.local_environment",
        "tools.preflight",
        "tools.deploy.workspace",
        "workspace.alarms",
        "workspace.layers",
        "workspace.catalogue",
    ],
)
def test_tools_that_read_data_never_start_jsii(module):
    """The deploy engine synthesizes in a subprocess, so it never starts jsii either.
    (The provider shortcut's placeholder package `cdktf_cdktf_provider_aws` is no jsii.)"""
    code = (
        f"import sys, {module}; "
        "loaded = sorted(m for m in sys.modules if m in ('jsii', 'cdktf') "
        "or m.startswith(('jsii.', 'cdktf.', 'cdktf_cdktf_provider_aws.'))); "
        "assert not loaded, loaded[:5]"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
