"""Physical names and standard tags: the one place they are made.

Construct IDs never contain the environment (Terraform addresses stay the same in every
workspace); the environment appears only in physical names made here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# AWS name-length limits the constructs rely on.
MAX_ALB_NAME = 32
MAX_TARGET_GROUP_NAME = 32
MAX_ELASTICACHE_ID = 40
MAX_IAM_ROLE_NAME = 64
MAX_DEFAULT = 64

_INVALID = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Namer:
    """Names of the form `<project>-<env>-<part>…`, lower-case, fitted to a length limit.

    A name that does not fit is cut and ends in a 6-character hash of the full name, so
    two long names that share a prefix still differ.
    """

    project: str
    environment: str

    def name(self, *parts: str, max_len: int = MAX_DEFAULT) -> str:
        if not parts:
            raise ValueError("a name needs at least one part")
        full = "-".join([self.project, self.environment, *parts]).lower()
        full = _INVALID.sub("-", full).strip("-")
        full = re.sub(r"-{2,}", "-", full)
        if len(full) <= max_len:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        return f"{full[: max_len - 7].rstrip('-')}-{digest}"

    @property
    def prefix(self) -> str:
        """What every name made by `name` starts with (`<project>-<env>-`), to find them again."""
        return f"{self.project}-{self.environment}-".lower()

    def path(self, *parts: str) -> str:
        """A slash-separated name such as a log group: `/dailydesk/prod/backend`."""
        return "/" + "/".join([self.project, self.environment, *parts])

    def parameter(self, spec_name: str) -> str:
        """The SSM name of a catalogue parameter: `/dailydesk/<env>/<spec name>`."""
        return self.path(spec_name.strip("/"))

    def stack(self, layer: str) -> str:
        return f"{layer}-{self.environment}"

    def workspace(self, layer: str) -> str:
        """Terraform Cloud workspace name of a stack."""
        return f"{self.project}-{layer}-{self.environment}"

    def tags(self, layer: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The standard tags every resource of a workspace carries (provider default_tags)."""
        return {
            **(extra or {}),
            "Project": self.project,
            "Environment": self.environment,
            "Workspace": self.stack(layer),
            "ManagedBy": "cdktf",
        }


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
