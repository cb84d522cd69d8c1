"""The engine fixture (tests/engine/fixtures.py): one fake repository per test."""

from __future__ import annotations

import pytest

from tests.engine.fixtures import EngineFixture


@pytest.fixture
def fixture(tmp_path) -> EngineFixture:
    return EngineFixture(tmp_path)
