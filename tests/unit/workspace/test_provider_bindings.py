"""The provider import shortcuts (Python's and the jsii runtime's Node.js side) change nothing
but speed: byte-identical synth output."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import workspace.provider_bindings as bindings
from tools.paths import REPO_ROOT

SYNTH_WITH_FULL_IMPORT = """
import os, sys
assert "lazy_provider_exports" not in os.environ.get("NODE_OPTIONS", "")
import cdktf_cdktf_provider_aws  # the full package __init__: every resource module
assert len([m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]) > 2000
from cdktf import App
from config.schema import ENVIRONMENT_NAMES
from stacks.app import build_app
build_app(App(outdir=sys.argv[1]), list(ENVIRONMENT_NAMES)).synth()
"""


def test_the_shortcut_is_active_in_this_process(synthesized):
    import sys as _sys

    package = _sys.modules[bindings.PACKAGE]
    assert not hasattr(package, "accessanalyzer_analyzer"), "the full provider __init__ ran"
    loaded = [m for m in _sys.modules if m.startswith(bindings.PACKAGE + ".")]
    assert 0 < len(loaded) < 200


@pytest.mark.full_synth
def test_synth_is_byte_identical_with_the_full_provider_import(synthesized, tmp_path):
    outdir = tmp_path / "cdktf.out"
    env = {
        **os.environ,
        bindings.FULL_IMPORT: "1",
        bindings.NODE_OPTIONS: bindings.without_node_hook(os.environ.get(bindings.NODE_OPTIONS, "")),
    }
    subprocess.run(
        [sys.executable, "-c", SYNTH_WITH_FULL_IMPORT, str(outdir)], cwd=REPO_ROOT, env=env, check=True, timeout=600
    )
    ours = sorted((synthesized.outdir / "stacks").glob("*/cdk.tf.json"))
    theirs = sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    assert [p.parent.name for p in ours] == [p.parent.name for p in theirs] and len(ours) == 12
    for mine, full in zip(ours, theirs, strict=True):
        assert mine.read_bytes() == full.read_bytes(), f"{mine.parent.name} differs"


def provider_index_js() -> str:
    """The provider package's lib/index.js, from the assembly the bindings ship."""
    (tarball,) = (Path(importlib.util.find_spec(bindings.PACKAGE).origin).parent / "_jsii").glob("*.tgz")
    with tarfile.open(tarball, "r|gz") as archive:
        for member in archive:
            if member.name == "package/lib/index.js":
                return archive.extractfile(member).read().decode()
    raise AssertionError(f"no package/lib/index.js in {tarball}")


# Compiles the real index.js under its package path, as the jsii kernel's `require` does, with
# the hook preloaded; one resource module exists (a stub), the other 2,000-odd do not.
LOAD_WITH_HOOK = """
const Module = require("module");
const path = require("path");
const fs = require("fs");
const [root, names] = process.argv.slice(1);
const filename = path.join(root, "node_modules/@cdktf/provider-aws/lib/index.js");
const index = new Module(filename, null);
index.filename = filename;
index.paths = Module._nodeModulePaths(path.dirname(filename));
index._compile(fs.readFileSync(filename, "utf8"), filename);
const exported = index.exports;
const isGetter = (name) => typeof Object.getOwnPropertyDescriptor(exported, name).get === "function";
const getters = JSON.parse(names).filter(isGetter);
const loadedBefore = Object.keys(require.cache).filter((f) => f.includes("/lib/") && !f.endsWith("lib/index.js"));
const service = exported.ecsService.EcsService;
const after = Object.getOwnPropertyDescriptor(exported, "ecsService");
console.log(JSON.stringify({ getters: getters.length, loadedBefore, service, afterIsValue: "value" in after }));
"""


def jsii_runtime_processes() -> dict[int, dict[str, str]]:
    """The jsii runtime's Node.js processes started by this one (bin/jsii-runtime.js and its
    child lib/program.js): pid -> the environment each was started with."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue  # exited meanwhile
    found, frontier = {}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid in (p for p, pp in parents.items() if pp == parent):
            frontier.append(pid)
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if any(part.endswith((b"jsii-runtime.js", b"program.js")) for part in command):
                variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                found[pid] = dict(v.decode().split("=", 1) for v in variables if b"=" in v)
    return found


def test_the_node_hook_is_preloaded_into_the_jsii_runtime(synthesized):
    runtimes = jsii_runtime_processes()
    assert len(runtimes) == 2, runtimes.keys()  # the launcher and the kernel
    for environment in runtimes.values():
        assert bindings.node_hook_option() in environment[bindings.NODE_OPTIONS]
    assert bindings.without_node_hook(os.environ[bindings.NODE_OPTIONS]).count("lazy_provider_exports") == 0


def test_the_node_hook_defers_every_resource_module_to_its_first_use(tmp_path):
    source = provider_index_js()
    names = re.findall(r'^exports\.(\w+) = require\("\./[\w.-]+"\);$', source, flags=re.MULTILINE)
    assert len(names) == 2135  # provider-aws 20.1.0: every resource, data source and the provider
    lib = tmp_path / "node_modules" / "@cdktf" / "provider-aws" / "lib"
    (lib / "ecs-service").mkdir(parents=True)
    (lib / "index.js").write_text(source)
    (lib / "ecs-service" / "index.js").write_text('exports.EcsService = "the ecs-service module";\n')

    completed = subprocess.run(
        ["node", "--require", str(bindings.NODE_HOOK), "-e", LOAD_WITH_HOOK, str(tmp_path), json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    result = json.loads(completed.stdout)
    assert result["getters"] == 2135
    assert result["loadedBefore"] == []
    assert result["service"] == "the ecs-service module"
    assert result["afterIsValue"] is True
