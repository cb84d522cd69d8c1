"""Typed constructs: one AWS concern per module, typed props in, attributes out.

The provider shortcut is installed first so that no module here pays for the full
provider package import (see `provider_bindings`).
"""

from constructs_lib import provider_bindings as _provider_bindings  # noqa: F401  (must stay first)
