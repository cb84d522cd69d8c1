"""What every workspace stack stands on, defined once: the layers, the provider, the state
backends, names, protection, the output contracts and the provider import shortcut.

The provider shortcut is installed first, so that nothing imported through this package
pays for the full provider package import (see `provider_bindings`).
"""

from workspace import provider_bindings as _provider_bindings  # noqa: F401  (must stay first)
