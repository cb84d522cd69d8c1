"""Where each workspace's state and its last good configuration live, per backend (pure)."""

from __future__ import annotations

import os
from pathlib import Path

from config import load_environment
from tools.deploy import last_good
from workspace.state_locations import (
    LastGoodFile,
    LastGoodObject,
    NoLastGood,
    last_good_location,
    local_state_path,
)


def location(env: str, layer: str):
    config = load_environment(env)
    return last_good_location(config, config.namer, layer)


def test_local_last_good_is_beside_the_state_file():
    config = load_environment("local")
    namer = config.namer
    state = local_state_path(config, namer, "backend", config.state)
    assert state == "../../../state/local/backend-local.tfstate"
    assert location("local", "backend") == LastGoodFile("../../../state/local/backend-local.last-good.json")


def test_s3_last_good_is_beside_the_state_object_under_the_state_key():
    assert location("prod", "backend") == LastGoodObject(
        bucket="dailydesk-terraform-state-444455556666",
        key="dailydesk/prod/backend.last-good.json",
        region="us-east-1",
        kms_key_id="alias/dailydesk-terraform-state",
    )


def test_terraform_cloud_keeps_no_last_good_and_says_so():
    found = location("dev", "parent")
    assert isinstance(found, NoLastGood)
    assert "configuration version" in found.reason


def test_the_engine_resolves_the_file_from_the_stack_directory(tmp_path):
    stack_directory = tmp_path / "repo" / "cdktf.out" / "stacks" / "parent-local"
    store = last_good.store_for(load_environment("local"), "parent", stack_directory)
    assert isinstance(store, last_good.FileStore)
    expected = tmp_path / "repo" / "state" / "local" / "parent-local.last-good.json"
    assert Path(os.path.realpath(store.path)) == Path(os.path.realpath(expected))
    assert isinstance(last_good.store_for(load_environment("prod"), "parent", stack_directory), last_good.S3Store)
    assert not last_good.store_for(load_environment("dev"), "parent", stack_directory).available
