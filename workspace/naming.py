"""Names: the `Namer` (defined in `config.naming`, where an environment's configuration
hands out its own as `EnvironmentConfig.namer`), the AWS name-length limits the
constructs fit names to, and cdktf's logical IDs (for `moved` blocks).

Construct IDs never contain the environment (Terraform addresses stay the same in every
workspace); the environment appears only in physical names made by the `Namer`.
"""

from __future__ import annotations

import hashlib
import re

from config.naming import MAX_DEFAULT, Namer

__all__ = [
    "MAX_ALB_NAME",
    "MAX_DEFAULT",
    "MAX_ELASTICACHE_ID",
    "MAX_IAM_ROLE_NAME",
    "MAX_TARGET_GROUP_NAME",
    "Namer",
    "logical_id",
]

# AWS name-length limits the constructs rely on (MAX_DEFAULT: any other name).
MAX_ALB_NAME = 32
MAX_TARGET_GROUP_NAME = 32
MAX_ELASTICACHE_ID = 40
MAX_IAM_ROLE_NAME = 64


# cdktf's logical IDs (`HashedAddressingScheme`, cdktf/lib/private/unique.ts), so that a
# construct can be renamed with a Terraform `moved` block from its old address.
_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"
_MAX_HUMAN_LEN = 240
_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def logical_id(path: tuple[str, ...]) -> str:
    """The Terraform name cdktf gives the element at construct `path` (below its stack)."""
    components = [c for c in path if c != _HIDDEN_ID]
    if not components:
        raise ValueError("a logical ID needs at least one path component")
    if len(components) == 1:
        return _DISALLOWED.sub("", components[0])
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    text = "_".join(_DISALLOWED.sub("", c) for c in human if c != _HIDDEN_FROM_HUMAN_ID)[:_MAX_HUMAN_LEN]
    return f"{text}_{digest}"
