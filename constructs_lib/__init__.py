"""Constructs only, grouped by concern: `shared/` (encryption keys, IAM, artifact buckets),
`parent/`, `backend/` and `delivery/`. Each takes typed props and exposes its resources as
attributes; none reads the environment configuration.
"""

import workspace as _workspace  # noqa: F401  (installs the provider import shortcut first)
