"""Each workspace's last good configuration: what its last successful apply applied.

CloudFormation rolls a failed update back to the stack's previous template; Terraform
keeps no previous configuration. The deploy engine records one after every successful
apply: the synthesized configuration of the workspace (`cdk.tf.json`, taken from the
saved plan that was applied, so it is exactly what ran) and the commit it came from (git
HEAD, and whether the working tree had uncommitted changes), tied to the state it
describes: the state's lineage and serial right after that apply (`StateVersion`). A
rollback applies it again, but only onto the state it describes: when the state moved
without the engine since (`cdktf deploy`, a Terraform Cloud run, a plain `terraform
apply`), the record no longer says what the workspace is, and the rollback refuses to
guess (tools/deploy/rollback.py). A failed apply the engine did not roll back completely is
noted in the record (`Unfinished`), so `make rollback` knows those changes are its own.

Where (workspace/state_locations.py decides): beside the state. `local` backend: a file
`state/<env>/<stack>.last-good.json`; `s3`: the object `<prefix>/<env>/<layer>.last-good.json`
in the state bucket, written with SSE-KMS under the state's `kms_key_id`; `cloud`: none
(Terraform Cloud keeps configuration versions itself; see `NoStore`).

No secret is in a record: `cdk.tf.json` names secrets only by reference (data sources,
ARNs), and nothing else is added.

A workspace destroyed on purpose (`make destroy-local`) has its record deleted with it: the
next deploy is a first deploy again, and a failed one removes what it created.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from config.schema import EnvironmentConfig
from tools.aws import Clients
from tools.paths import REPO_ROOT
from workspace.state_locations import LastGoodFile, LastGoodObject, NoLastGood, last_good_location

# 2: the state version the record describes, and an unfinished apply. A format-1 record
# (written before) is read as one whose state version is unknown.
FORMAT = 2
READABLE_FORMATS = (1, FORMAT)


@dataclass(frozen=True)
class StateVersion:
    """Which state a document is: Terraform's lineage (one per workspace's state history)
    and serial (incremented by every write). Two equal versions are the same state."""

    lineage: str
    serial: int

    @classmethod
    def of(cls, state: dict[str, Any]) -> StateVersion | None:
        """The version of a raw state document; None for an empty state (none written yet)."""
        if not state.get("lineage"):
            return None
        return cls(str(state["lineage"]), int(state.get("serial", 0)))

    def __str__(self) -> str:
        return f"serial {self.serial} of lineage {self.lineage[:8]}"


@dataclass(frozen=True)
class Unfinished:
    """A failed apply the engine did not roll back completely (ROLLBACK=false, a second
    Ctrl-C, a failed rollback): the state moved from `before` to `after` by the engine's own
    hand, and `before_addresses` is what the state held before it. `make rollback` reads it
    to tell its own changes from changes made outside the engine."""

    before: StateVersion | None
    after: StateVersion | None
    before_addresses: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    stack: str
    commit: str | None
    dirty: bool
    recorded_at: str
    configuration: dict[str, Any]
    format: int = FORMAT
    # The state right after the apply this record describes (None: unknown, a format-1 record).
    state: StateVersion | None = None
    unfinished: Unfinished | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record:
        document = json.loads(text)
        if document.get("format") not in READABLE_FORMATS:
            raise ValueError(f"unknown last good record format {document.get('format')!r}")
        document["format"] = FORMAT
        state = document.pop("state", None)
        unfinished = document.pop("unfinished", None)
        return cls(
            **document,
            state=StateVersion(**state) if state else None,
            unfinished=Unfinished(
                before=StateVersion(**unfinished["before"]) if unfinished["before"] else None,
                after=StateVersion(**unfinished["after"]) if unfinished["after"] else None,
                before_addresses=tuple(unfinished["before_addresses"]),
            )
            if unfinished
            else None,
        )

    def at(self, state: StateVersion | None) -> Record:
        """This record, describing the state `state` (after a rollback re-applied it), finished."""
        return replace(self, state=state, unfinished=None)

    def left_unfinished(self, unfinished: Unfinished) -> Record:
        return replace(self, unfinished=unfinished)

    @property
    def described(self) -> str:
        commit = (self.commit or "unknown commit")[:12] + (" with uncommitted changes" if self.dirty else "")
        return f"commit {commit}, applied {self.recorded_at}"

    def addresses(self) -> set[str]:
        """`type.name` of every managed resource of the configuration."""
        return {f"{rtype}.{name}" for rtype, items in self.configuration.get("resource", {}).items() for name in items}


def current_commit(repository: Path = REPO_ROOT) -> tuple[str | None, bool]:
    """(HEAD, whether the working tree has uncommitted changes); (None, False) outside git."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repository, capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return None, False
    status = git("status", "--porcelain", "--untracked-files=no")
    return head.stdout.strip(), bool(status.stdout.strip())


def new_record(
    stack: str,
    configuration: dict[str, Any],
    commit: tuple[str | None, bool] | None = None,
    state: StateVersion | None = None,
) -> Record:
    head, dirty = commit if commit is not None else current_commit()
    return Record(
        stack=stack,
        commit=head,
        dirty=dirty,
        recorded_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        configuration=configuration,
        state=state,
    )


class Store(Protocol):
    @property
    def where(self) -> str: ...

    @property
    def available(self) -> bool: ...

    def read(self) -> Record | None: ...

    def write(self, record: Record) -> None: ...

    def delete(self) -> None: ...


@dataclass(frozen=True)
class FileStore:
    path: Path

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def available(self) -> bool:
        return True

    def read(self) -> Record | None:
        return Record.from_json(self.path.read_text()) if self.path.exists() else None

    def write(self, record: Record) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_name(self.path.name + ".tmp")
        scratch.write_text(record.to_json())
        os.replace(scratch, self.path)  # never a half-written record

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class S3Store:
    location: LastGoodObject
    client: Callable[[], Any]  # a boto3 S3 client factory

    @property
    def where(self) -> str:
        return f"s3://{self.location.bucket}/{self.location.key}"

    @property
    def available(self) -> bool:
        return True

    def read(self) -> Record | None:
        from botocore.exceptions import ClientError

        try:
            body = self.client().get_object(Bucket=self.location.bucket, Key=self.location.key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return Record.from_json(body.decode())

    def write(self, record: Record) -> None:
        self.client().put_object(
            Bucket=self.location.bucket,
            Key=self.location.key,
            Body=record.to_json().encode(),
            ContentType="application/json",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.location.kms_key_id,
        )

    def delete(self) -> None:
        self.client().delete_object(Bucket=self.location.bucket, Key=self.location.key)


@dataclass(frozen=True)
class NoStore:
    """The backend keeps no last good configuration of ours (Terraform Cloud); `reason` says why."""

    reason: str

    @property
    def where(self) -> str:
        return "(not recorded)"

    @property
    def available(self) -> bool:
        return False

    def read(self) -> Record | None:
        return None

    def write(self, record: Record) -> None:
        return None

    def delete(self) -> None:
        return None


def store_for(config: EnvironmentConfig, layer: str, stack_directory: Path) -> Store:
    """Where `layer`'s last good configuration is kept (next to its state)."""
    location = last_good_location(config, config.namer, layer)
    if isinstance(location, LastGoodFile):
        return FileStore(Path(os.path.normpath(stack_directory.resolve() / location.path)))
    if isinstance(location, LastGoodObject):
        clients = Clients(config, region=location.region)
        return S3Store(location, lambda: clients("s3"))
    if isinstance(location, NoLastGood):
        return NoStore(location.reason)
    raise TypeError(f"unknown location {location!r}")  # pragma: no cover
