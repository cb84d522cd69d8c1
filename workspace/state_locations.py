"""Where each workspace's state lives, and its last good configuration beside it (pure: the
tools read it without starting jsii).

`workspace.state_backend` writes the backend blocks and remote-state readers from these;
the deploy engine (tools/deploy/engine.py) keeps each workspace's last good configuration (the
`cdk.tf.json` of its last successful apply, and the commit) next to the state, so it is as
durable and as protected as the state itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import CloudState, EnvironmentConfig, LocalState, S3State
from workspace.naming import Namer

# Terraform runs in cdktf.out/stacks/<stack>/: three levels below the repository root.
REPO_ROOT_FROM_STACK_DIR = "../../.."
LAST_GOOD_SUFFIX = ".last-good.json"
CLOUD_HAS_NO_LAST_GOOD = (
    "the Terraform Cloud backend keeps no last good configuration of ours: Terraform Cloud itself keeps the "
    "configuration version of every run (roll back by starting a run of the last applied configuration version, "
    "see docs/operations/failure-and-rollback.md)"
)


def local_state_path(config: EnvironmentConfig, namer: Namer, layer: str, state: LocalState) -> str:
    """The state file of `layer`, relative to its stack directory."""
    return f"{REPO_ROOT_FROM_STACK_DIR}/{state.directory}/{config.name}/{namer.stack(layer)}.tfstate"


def s3_state_key(state: S3State, config: EnvironmentConfig, layer: str) -> str:
    return f"{state.key_prefix}/{config.name}/{layer}.tfstate"


@dataclass(frozen=True)
class LastGoodFile:
    """A file beside the local state: `state/<env>/<stack>.last-good.json`."""

    path: str  # relative to the stack directory, as the state path is


@dataclass(frozen=True)
class LastGoodObject:
    """An object beside the S3 state, `<prefix>/<env>/<layer>.last-good.json`, under the state's KMS key."""

    bucket: str
    key: str
    region: str
    kms_key_id: str


@dataclass(frozen=True)
class NoLastGood:
    """A backend beside which nothing is kept; `reason` says why and what to do instead."""

    reason: str


LastGoodLocation = LastGoodFile | LastGoodObject | NoLastGood


def last_good_location(config: EnvironmentConfig, namer: Namer, layer: str) -> LastGoodLocation:
    state = config.state
    if isinstance(state, LocalState):
        return LastGoodFile(local_state_path(config, namer, layer, state).removesuffix(".tfstate") + LAST_GOOD_SUFFIX)
    if isinstance(state, S3State):
        key = s3_state_key(state, config, layer).removesuffix(".tfstate") + LAST_GOOD_SUFFIX
        return LastGoodObject(bucket=state.bucket, key=key, region=state.region, kms_key_id=state.kms_key_id)
    if isinstance(state, CloudState):
        return NoLastGood(CLOUD_HAS_NO_LAST_GOOD)
    raise TypeError(f"unknown state backend {state!r}")  # pragma: no cover - the schema admits only the three
