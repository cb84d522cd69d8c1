"""Import the prebuilt AWS provider bindings one resource module at a time.

`cdktf_cdktf_provider_aws/__init__.py` imports all ~2,100 resource modules, which costs
16-22 s and ~0.5 GB on every `synth`/`diff`/`deploy` and every test session. Each
submodule is self-contained (it imports only `.._jsii`, `cdktf` and `constructs`), so we
register the package in `sys.modules` without running its `__init__` and let Python load
only the submodules the app imports. The jsii assembly itself is still loaded, once, by
`_jsii`, when the first resource module is imported. `tests/unit/workspace/test_provider_bindings.py`
proves the synthesized JSON is byte-identical to a synth with the full package import.

It must run before anything imports the provider: the `workspace` package's `__init__`
imports it first, so any import of `workspace` or of one of its modules installs it, and
`constructs_lib`, `stacks`, `main.py` and the tests' conftest import `workspace` before
anything else. Set DAILYDESK_FULL_PROVIDER_IMPORT=1 to disable the shortcut (used by the test).

The jsii runtime's Node.js process has the same problem on its side: loading the assembly
compiles the JavaScript of every resource. `install_node_hook` preloads
`lazy_provider_exports.js` into it (NODE_OPTIONS, read when the runtime starts, so before the
first jsii import), which defers each resource's module to its first use: a synth of the 12
stacks 12.4-13.6 -> 10.3-11.5 CPU-s (docs/benchmark.md). The same switch turns it off, and
the same test proves it changes nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from pathlib import Path

PACKAGE = "cdktf_cdktf_provider_aws"
NODE_HOOK = Path(__file__).with_name("lazy_provider_exports.js")
NODE_OPTIONS = "NODE_OPTIONS"
FULL_IMPORT = "DAILYDESK_FULL_PROVIDER_IMPORT"


def install() -> bool:
    """Register a light-weight package object; returns False when it was not needed."""
    if PACKAGE in sys.modules or os.environ.get(FULL_IMPORT) == "1":
        return False
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{PACKAGE} is not installed: run `make setup`")
    package = types.ModuleType(PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    package.__package__ = PACKAGE
    package.__spec__ = spec
    sys.modules[PACKAGE] = package
    # The jsii assembly (`_jsii`) is loaded by the first resource module imported, since
    # each does `from .._jsii import *`; code that imports no resource (the config, the
    # naming helper, the catalogue table) never starts the jsii runtime.
    return True


def node_hook_option() -> str:
    """The NODE_OPTIONS entry that preloads the hook (quoted: the path may hold spaces)."""
    return "--require " + json.dumps(str(NODE_HOOK), ensure_ascii=False)


def without_node_hook(options: str) -> str:
    """NODE_OPTIONS as it was before `install_node_hook`."""
    return " ".join(options.replace(node_hook_option(), "").split())


def install_node_hook() -> bool:
    """Preload the hook into every Node.js process this one starts (the jsii runtime first);
    returns False when it was not needed. Harmless in others: it touches one file only."""
    options = os.environ.get(NODE_OPTIONS, "")
    if os.environ.get(FULL_IMPORT) == "1" or node_hook_option() in options:
        return False
    os.environ[NODE_OPTIONS] = f"{options} {node_hook_option()}".strip()
    return True


install_node_hook()
install()
