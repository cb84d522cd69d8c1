"""Every emulator test module starts from an empty emulator: modules deploy the same
`local` names, so one module's leftovers must never meet the next one."""

import pytest


@pytest.fixture(scope="module", autouse=True)
def fresh_emulator(emulator_endpoint):
    from tools.emulator import server

    server.reset(emulator_endpoint)
    yield
