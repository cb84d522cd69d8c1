"""Physical names and standard tags: the one place they are made (pure string logic).

It lives in `config` so that an environment's configuration can hand out its own namer
(`EnvironmentConfig.namer`); `workspace.naming` re-exports it beside the AWS name-length
limits and cdktf's logical IDs.

Construct IDs never contain the environment (Terraform addresses stay the same in every
workspace); the environment appears only in physical names made here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# The length a name is fitted to unless its AWS resource allows less (`workspace.naming`).
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
