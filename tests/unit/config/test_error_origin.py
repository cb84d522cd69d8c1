"""A bad or missing value is reported against the file to fix, once: the environment's own
file when it sets the value, defaults.toml when the value comes from there (however many
environments use it), and for a missing value both files where it may be set."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from config import ConfigError, load_environments
from config.loader import DEFAULTS_FILE, EMULATOR_PORT_VARIABLE, ENVIRONMENTS_DIR
from tests.unit.config.test_loader import DELETE, set_path, to_toml
from tools.paths import REPO_ROOT

Edit = Callable[[dict], None]
HEADER = "invalid environment configuration"


def write_config(tmp_path: Path, defaults: list[Edit], environments: dict[str, list[Edit]]) -> Path:
    """A copy of the configuration directory under tmp_path, with defaults.toml and some
    environment files edited; returns the directory."""
    (tmp_path / "environments").mkdir()
    for path in ENVIRONMENTS_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / "environments" / path.name)
    shutil.copy(DEFAULTS_FILE, tmp_path / "defaults.toml")
    for path, edits in [(tmp_path / "defaults.toml", defaults)] + [
        (tmp_path / "environments" / f"{name}.toml", edits) for name, edits in environments.items()
    ]:
        data = tomllib.loads(path.read_text())
        for edit in edits:
            edit(data)
        path.write_text(to_toml(data))
    return tmp_path


def reported(tmp_path: Path, defaults: list[Edit], environments: dict[str, list[Edit]]) -> list[str]:
    """The lines of the error every environment's loading raises, paths below tmp_path."""
    directory = write_config(tmp_path, defaults, environments)
    with pytest.raises(ConfigError) as caught:
        load_environments(directory=directory / "environments", defaults=directory / "defaults.toml")
    header, *lines = str(caught.value).replace(f"{tmp_path}/", "").splitlines()
    assert header == HEADER
    assert "\n".join(str(problem) for problem in caught.value.problems).replace(f"{tmp_path}/", "") == "\n".join(
        line.strip() for line in lines
    )
    return [line.removeprefix("  ") for line in lines]


def every_job(key: str) -> Edit:
    def edit(data: dict) -> None:
        for job in data["jobs"]:
            job.pop(key)

    return edit


def own_jobs(data: dict) -> None:
    data["jobs"] = [{"name": "reset-queue", "schedule": "rate(1 hour)", "secret": "technician-scheduler"}]


DURATION = "is not a valid duration such as 15m, 1h or 7d"
ALL_FILES = "environments/dev.toml, environments/staging.toml, environments/prod.toml, environments/local.toml"


@pytest.mark.parametrize(
    ("defaults", "environments", "expected"),
    [
        pytest.param(
            [set_path("jwt.expire", "soon")],
            {},
            [f"defaults.toml: jwt.expire: 'soon' {DURATION}"],
            id="a bad value of defaults.toml: once, against defaults.toml",
        ),
        pytest.param(
            [set_path("jwt.expire", "soon")],
            {"prod": [set_path("jwt.expire", "2h")]},
            [f"defaults.toml: jwt.expire: 'soon' {DURATION}"],
            id="still once when one environment sets its own",
        ),
        pytest.param(
            [],
            {"prod": [set_path("jwt.expire", "soon")]},
            [f"environments/prod.toml: jwt.expire: 'soon' {DURATION}"],
            id="a bad value of an environment file: against that file",
        ),
        pytest.param(
            [],
            {"dev": [set_path("fargate.desired_count", "two")], "prod": [set_path("fargate.desired_count", "two")]},
            [
                "environments/dev.toml: fargate.desired_count: "
                "Input should be a valid integer, unable to parse string as an integer",
                "environments/prod.toml: fargate.desired_count: "
                "Input should be a valid integer, unable to parse string as an integer",
            ],
            id="the same bad value in two environment files: each file",
        ),
        pytest.param(
            [set_path("jwt.expire", "soon")],
            {"staging": [set_path("logs.retention_days", 10)]},
            [
                f"defaults.toml: jwt.expire: 'soon' {DURATION}",
                "environments/staging.toml: logs: retention_days 10 is not a CloudWatch value; use one of "
                "(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
                "3288, 3653)",
            ],
            id="a bad default and a bad environment value: one line each",
        ),
        pytest.param(
            [],
            {"prod": [set_path("account_id", DELETE)]},
            ["environments/prod.toml: account_id: Field required (set it there or in defaults.toml)"],
            id="a missing value: the environment file or defaults.toml",
        ),
        pytest.param(
            [set_path("region", DELETE)],
            {},
            [f"{ALL_FILES}: region: Field required (set it in each or in defaults.toml)"],
            id="missing from every environment: once, naming every file that may set it",
        ),
        pytest.param(
            [set_path("admin.username", DELETE)],
            {"prod": [set_path("admin.username", "prod-admin")]},
            [
                "environments/dev.toml, environments/staging.toml, environments/local.toml: admin.username: "
                "Field required (set it in each or in defaults.toml)"
            ],
            id="missing from the environments that do not set it",
        ),
        pytest.param(
            [set_path("alarms.redis_memory.evaluation_periods", 300)],
            {},
            [
                "defaults.toml: alarms.redis_memory: period_seconds x evaluation_periods is 90000 s; "
                "CloudWatch evaluates at most 86400 s with a period of 300 s"
            ],
            id="a bad table of defaults.toml: once, against defaults.toml",
        ),
        pytest.param(
            [],
            {"prod": [set_path("alarms.service_cpu.datapoints_to_alarm", 5)]},
            ["environments/prod.toml: alarms.service_cpu: datapoints_to_alarm (5) exceeds evaluation_periods (3)"],
            id="a table the environment file sets part of: against that file",
        ),
        pytest.param(
            [every_job("path")],
            {},
            [
                *(f"defaults.toml: jobs[{index}].path: Field required" for index in range(3)),
                # pydantic counts the items that validated, too
                "defaults.toml: jobs: Tuple should have at least 1 item after validation, not 0",
            ],
            id="missing from an array of defaults.toml: only defaults.toml sets it",
        ),
        pytest.param(
            [],
            {"prod": [own_jobs]},
            [
                "environments/prod.toml: jobs[0].path: Field required",
                "environments/prod.toml: jobs: Tuple should have at least 1 item after validation, not 0",
            ],
            id="missing from an array of the environment file: only that file sets it",
        ),
    ],
)
def test_each_error_names_the_file_to_fix_once(tmp_path, defaults, environments, expected):
    assert reported(tmp_path, defaults, environments) == expected


def test_a_value_from_the_emulator_port_variable_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(EMULATOR_PORT_VARIABLE, "80")
    assert reported(tmp_path, [], {}) == [
        "DAILYDESK_EMULATOR_PORT=80: emulator.port: Input should be greater than or equal to 1024"
    ]


def test_the_app_reports_a_bad_default_once_and_writes_nothing(tmp_path):
    """End to end through main.py: every environment validated, the default named once."""
    directory = write_config(tmp_path, [set_path("jwt.refresh_expire", "a week")], {})
    outdir = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "DAILYDESK_CONFIG_DIR": str(directory), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.replace(f"{tmp_path}/", "") == (
        f"error: {HEADER}\n  defaults.toml: jwt.refresh_expire: 'a week' {DURATION}\n"
    )
    assert not outdir.exists()
