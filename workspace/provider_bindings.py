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
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types

PACKAGE = "cdktf_cdktf_provider_aws"


def install() -> bool:
    """Register a light-weight package object; returns False when it was not needed."""
    if PACKAGE in sys.modules or os.environ.get("DAILYDESK_FULL_PROVIDER_IMPORT") == "1":
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


install()
