"""Only the `local` environment talks to the emulator, and only on loopback."""

from urllib.parse import urlparse

import pytest

from config import load_environment
from tests.configs import ENVIRONMENTS, LAYERS, REAL_ENVIRONMENTS
from workspace.providers import EMULATED_SERVICES, emulator_settings


@pytest.mark.parametrize("layer", LAYERS)
def test_local_provider_points_every_endpoint_at_the_loopback_emulator(synthesized, layer):
    (provider,) = synthesized[f"{layer}-local"]["provider"]["aws"]
    (endpoints,) = provider["endpoints"]
    assert set(endpoints) == set(EMULATED_SERVICES)
    assert {urlparse(url).hostname for url in endpoints.values()} == {"127.0.0.1"}
    assert provider["skip_requesting_account_id"] is False
    assert provider["allowed_account_ids"] == ["123456789012"]


@pytest.mark.parametrize("layer", LAYERS)
def test_the_emulator_settings_are_what_the_local_provider_synthesizes(synthesized, layer):
    """The tests that point a stack at the emulator render these settings: they must be
    the provider's own, as synthesized."""
    (provider,) = synthesized[f"{layer}-local"]["provider"]["aws"]
    settings = emulator_settings(load_environment("local").emulator.endpoint)
    assert {**settings, "endpoints": [settings["endpoints"]]} == {key: provider[key] for key in settings}
    assert set(provider) == {*settings, "region", "allowed_account_ids", "default_tags"}


@pytest.mark.parametrize("env", REAL_ENVIRONMENTS)
@pytest.mark.parametrize("layer", LAYERS)
def test_real_environments_never_use_endpoints_or_static_keys(synthesized, env, layer):
    (provider,) = synthesized[f"{layer}-{env}"]["provider"]["aws"]
    # Every emulator setting: endpoints, access_key, secret_key, skip_credentials_validation, ...
    for setting in emulator_settings("http://127.0.0.1:4566"):
        assert setting not in provider
    assert provider["region"] == "us-east-1"


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("layer", LAYERS)
def test_standard_tags_on_every_resource_through_default_tags(synthesized, env, layer):
    (provider,) = synthesized[f"{layer}-{env}"]["provider"]["aws"]
    (default_tags,) = provider["default_tags"]
    assert {k: default_tags["tags"][k] for k in ("Project", "Environment", "Workspace", "ManagedBy")} == {
        "Project": "dailydesk",
        "Environment": env,
        "Workspace": f"{layer}-{env}",
        "ManagedBy": "cdktf",
    }
