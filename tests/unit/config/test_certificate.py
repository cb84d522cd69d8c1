"""The certificate serves every URL the environment serves: wildcard semantics, and the
error that names the file, the field, the host and the certificate's names."""

from __future__ import annotations

import pytest

from config import ConfigError, load_environment
from config.schema import ENVIRONMENT_NAMES, certificate_covers, uncovered_hosts
from tests.unit.config.test_loader import load_edited, set_path


@pytest.mark.parametrize(
    ("name", "host", "covered"),
    [
        ("*.a.b", "x.a.b", True),
        ("*.a.b", "a.b", False),  # the wildcard needs a label of its own
        ("*.a.b", "y.x.a.b", False),  # and stands for exactly one
        ("*.a.b", "x.c.b", False),
        ("*.a.b", ".a.b", False),  # an empty label is no label
        ("*.A.B", "X.a.b", True),  # DNS names are case-insensitive
        ("a.b", "a.b", True),
        ("a.b", "x.a.b", False),  # a plain name covers only itself
        ("*.dailydesk.com", "api.dailydesk.com", True),
        ("*.dailydesk.com", "api.staging.dailydesk.com", False),
        ("*.staging.dailydesk.com", "api.staging.dailydesk.com", True),
    ],
)
def test_a_wildcard_covers_exactly_one_label(name, host, covered):
    assert certificate_covers(name, host) is covered


def test_uncovered_hosts_are_the_ones_no_name_covers():
    hosts = {"urls.backend": "api.a.b", "urls.frontend": "app.x.a.b", "urls.online_booking": "a.b"}
    assert uncovered_hosts(("*.a.b",), hosts) == {"urls.frontend": "app.x.a.b", "urls.online_booking": "a.b"}
    assert uncovered_hosts(("*.a.b", "*.x.a.b", "a.b"), hosts) == {}


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_every_environment_certificate_serves_its_four_urls(name):
    config = load_environment(name)
    assert sorted(config.served_hosts) == ["urls.backend", "urls.frontend", "urls.frontend_api", "urls.online_booking"]
    assert uncovered_hosts(config.certificate.names, config.served_hosts) == {}


def test_the_staging_hosts_need_the_staging_wildcard(tmp_path):
    """The defect this check exists for: `*.dailydesk.com` does not serve `api.staging.…`."""
    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path, "staging", set_path("certificate.names", ["*.dailydesk.com"]))
    lines = str(caught.value).replace(str(tmp_path) + "/", "").splitlines()[1:]
    expected = {
        "urls.backend": "api.staging.dailydesk.com",
        "urls.frontend_api": "api.staging.dailydesk.com",
        "urls.frontend": "app.staging.dailydesk.com",
        "urls.online_booking": "booking.staging.dailydesk.com",
    }
    assert len(lines) == len(expected)
    for line, (field, host) in zip(lines, expected.items(), strict=True):
        assert line.strip() == (
            f"environments/staging.toml: {field}: host {host} is not covered by the certificate "
            "(certificate.names: *.dailydesk.com); a wildcard covers exactly one label"
        )


def test_only_the_uncovered_url_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path, "prod", set_path("urls.online_booking", "https://booking.eu.dailydesk.com"))
    (line,) = str(caught.value).splitlines()[1:]
    assert "urls.online_booking: host booking.eu.dailydesk.com" in line
    assert "(certificate.names: *.dailydesk.com)" in line


def test_a_second_name_serves_a_second_domain(tmp_path):
    config = load_edited(
        tmp_path,
        "prod",
        lambda data: (
            data["certificate"].update(names=["*.dailydesk.com", "booking.dailydesk.eu"]),
            data["urls"].update(online_booking="https://booking.dailydesk.eu"),
        ),
    )
    assert config.served_hosts["urls.online_booking"] == "booking.dailydesk.eu"
