"""Bad environment files fail with one message that names the file and the field."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from config import ConfigError, load_environment, load_environments
from config.loader import DEFAULTS_FILE, ENVIRONMENTS_DIR, merge
from config.naming import Namer
from config.schema import ENVIRONMENT_NAMES
from tools.paths import REPO_ROOT


def write_env(tmp_path: Path, name: str, edit) -> Path:
    """Copy the real environment files into tmp_path, applying `edit` to `name`'s data."""
    directory = tmp_path / "environments"
    directory.mkdir()
    for path in ENVIRONMENTS_DIR.glob("*.toml"):
        shutil.copy(path, directory / path.name)
    data = tomllib.loads((directory / f"{name}.toml").read_text())
    edit(data)
    (directory / f"{name}.toml").write_text(to_toml(data))
    shutil.copy(DEFAULTS_FILE, tmp_path / "defaults.toml")
    return directory


def to_toml(data: dict, prefix: str = "") -> str:
    """Enough of a TOML writer for our files (tables, arrays of tables, scalars and arrays)."""
    import json

    scalars, tables, table_arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            table_arrays.append((key, value))
        else:
            scalars.append(f"{key} = {json.dumps(value)}")
    text = "\n".join(scalars) + "\n"
    for key, value in tables:
        name = f"{prefix}{key}"
        text += f"\n[{name}]\n" + to_toml(value, prefix=f"{name}.")
    for key, items in table_arrays:
        for item in items:
            text += f"\n[[{prefix}{key}]]\n" + to_toml(item, prefix=f"{prefix}{key}.")
    return text


def load_edited(tmp_path: Path, name: str, edit):
    directory = write_env(tmp_path, name, edit)
    return load_environment(name, directory=directory, defaults=tmp_path / "defaults.toml")


def set_path(path: str, value):
    def edit(data: dict) -> None:
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            del node[leaf]
        else:
            node[leaf] = value

    return edit


DELETE = object()


def test_every_real_environment_file_is_valid():
    configs = load_environments()
    assert [c.name for c in configs] == list(ENVIRONMENT_NAMES)


@pytest.mark.parametrize(
    ("env", "path", "value", "field", "fragment"),
    [
        ("prod", "account_id", DELETE, "account_id", "Field required"),
        ("prod", "fargate.desired_count", "two", "fargate.desired_count", "valid integer"),
        ("prod", "urls.backend", "api.dailydesk.com", "urls.backend", "not an https:// URL"),
        (
            "prod",
            "certificate.arn",
            "arn:aws:acm:us-east-1:444455556666:cert/x",
            "certificate.arn",
            "ACM certificate ARN",
        ),
        (
            "prod",
            "certificate.arn",
            "arn:aws:acm:eu-west-1:444455556666:certificate/6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d",
            "(top level)",
            "certificate.arn belongs to 444455556666/eu-west-1",
        ),
        ("prod", "certificate.names", [], "certificate", "names must list the certificate's names"),
        ("prod", "certificate.names", ["*.*.dailydesk.com"], "certificate.names[0]", "certificate name"),
        ("prod", "network.vpc_id", "vpc-XYZ", "network.vpc_id", "VPC ID"),
        ("prod", "rds.security_group_id", "sg-123", "rds.security_group_id", "security group ID"),
        (
            "prod",
            "hosting.apps.web.distribution_id",
            "not-an-id",
            "hosting.apps.web.distribution_id",
            "CloudFront distribution ID",
        ),
        (
            "prod",
            "fargate.auto_scaling.min_capacity",
            9,
            "fargate.auto_scaling",
            "min_capacity (9) is above max_capacity (8)",
        ),
        ("prod", "fargate.memory", 1024, "fargate", "Fargate does not accept cpu 1024 with memory 1024"),
        ("prod", "fargate.cpu", 300, "fargate", "cpu 300 is not a Fargate size"),
        ("prod", "redis.cache_clusters", 1, "redis", "automatic_failover needs at least 2"),
        ("prod", "logs.retention_days", 10, "logs", "retention_days 10 is not a CloudWatch value"),
        ("prod", "unknown_key", "x", "unknown_key", "Extra inputs are not permitted"),
        ("prod", "state.backend", "gcs", "state", "does not match any of the expected tags"),
        ("prod", "emulator", {"port": 4566}, "(top level)", "belongs to the local environment"),
        ("local", "emulator.host", "10.0.0.1", "emulator.host", "127.0.0.1"),
        (
            "prod",
            "pipelines.connection_arn",
            "arn:aws:codestar-connections:us-east-1:111111111111:connection/0b7e3c1d-2a4f-4e6b-8c9d-1e2f3a4b5c6d",
            "(top level)",
            "pipelines.connection_arn belongs to 111111111111/us-east-1",
        ),
        ("prod", "name", "staging", "name", "must be 'prod'"),
        (
            "prod",
            "alarms.service_cpu.datapoints_to_alarm",
            5,
            "alarms.service_cpu",
            "datapoints_to_alarm (5) exceeds evaluation_periods (3)",
        ),
        ("prod", "alarms.http_5xx_rate.threshold", 150, "alarms.http_5xx_rate.threshold", "less than 100"),
        (
            "staging",
            "alarms.service_memory.threshold",
            -5,
            "alarms.service_memory.threshold",
            "greater than or equal to 0",
        ),
        ("prod", "alarms.dead_letter_queue.threshold", 0.5, "alarms.dead_letter_queue.threshold", "valid integer"),
        (
            "dev",
            "alarms.unhealthy_targets.period_seconds",
            90,
            "alarms.unhealthy_targets",
            "90 is not a multiple of 60",
        ),
        (
            "prod",
            "alarms.redis_memory.period_seconds",
            30,
            "alarms.redis_memory.period_seconds",
            "greater than or equal to 60",
        ),
        (
            "prod",
            "alarms.redis_memory.evaluation_periods",
            300,
            "alarms.redis_memory",
            "period_seconds x evaluation_periods is 90000 s; CloudWatch evaluates at most 86400 s",
        ),
        (
            "local",
            "alarms.redis_evictions.evaluation_periods",
            0,
            "alarms.redis_evictions.evaluation_periods",
            "greater than or equal to 1",
        ),
        (
            "prod",
            "alarms.service_cpu.statistic",
            "p99",
            "alarms.service_cpu.statistic",
            "Extra inputs are not permitted",
        ),
        ("prod", "alarms.cpu_high", {"threshold": 1}, "alarms.cpu_high", "Extra inputs are not permitted"),
        ("prod", "deploy.timeout_minutes", 0, "deploy.timeout_minutes", "greater than or equal to 1"),
        ("staging", "deploy.timeout_minutes", 2000, "deploy.timeout_minutes", "less than or equal to 1440"),
        ("prod", "deploy.parallelism", 0, "deploy.parallelism", "greater than or equal to 1"),
        ("local", "deploy.parallelism", 500, "deploy.parallelism", "less than or equal to 100"),
        # dev keeps its state in HCP Terraform, whose runs refuse another -parallelism.
        ("dev", "deploy.parallelism", 30, "(top level)", "deploy.parallelism must stay 10 with the cloud state"),
        # CloudFormation's rollback configuration: at most 5 triggers, a window of 0-180 minutes.
        (
            "prod",
            "deploy.rollback_alarms",
            ["http-5xx-rate", "unhealthy-targets", "service-cpu", "service-memory", "redis-memory/001", "redis-x/2"],
            "deploy.rollback_alarms",
            "at most 5 items",
        ),
        ("prod", "deploy.rollback_alarms", ["5XX Rate"], "deploy.rollback_alarms[0]", "not a valid alarm purpose"),
        ("staging", "deploy.rollback_alarms", ["service-cpu", "service-cpu"], "deploy", "names an alarm twice"),
        ("prod", "deploy.monitor_minutes", 181, "deploy.monitor_minutes", "less than or equal to 180"),
        ("local", "deploy.monitor_minutes", -0.25, "deploy.monitor_minutes", "greater than or equal to 0"),
        ("dev", "deploy.monitor_minutes", "ten", "deploy.monitor_minutes", "valid number"),
    ],
)
def test_bad_value_is_reported_with_file_and_field(tmp_path, env, path, value, field, fragment):  # noqa: PLR0917 (parametrised)
    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path, env, set_path(path, value))
    message = str(caught.value)
    assert f"environments/{env}.toml: {field}" in message.replace(str(tmp_path) + "/", "")
    assert fragment in message


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 3 * *)", "cron needs 6 fields"),
        ("cron(75 3 * * ? *)", "minutes value 75 is out of range"),
        ("rate(1 minutes)", "singular unit"),
        ("rate(0 minutes)", "at least 1"),
        ("every 5 minutes", "not an EventBridge schedule"),
    ],
)
def test_bad_schedule_names_the_job(tmp_path, schedule, fragment):
    def edit(data: dict) -> None:
        data["jobs"] = [
            {"name": "reset-queue", "schedule": schedule, "path": "/api/x", "secret": "technician-scheduler"}
        ]

    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path, "prod", edit)
    assert "prod.toml: jobs[0].schedule" in str(caught.value)
    assert fragment in str(caught.value)


def test_every_environment_watches_its_rollback_triggers_in_a_window_of_0_to_180_minutes():
    for env in ENVIRONMENT_NAMES:
        deploy = load_environment(env).deploy
        assert 0 <= deploy.monitor_minutes <= 180
        assert deploy.rollback_alarms is None or len(deploy.rollback_alarms) <= 5
    # The emulator's window is short (15-30 s): every local deploy goes through it.
    assert 15 <= load_environment("local").deploy.monitor_minutes * 60 <= 30


def test_an_environment_overrides_one_alarm_setting_and_keeps_the_other_defaults(tmp_path):
    default = load_environment("prod").alarms
    config = load_edited(tmp_path, "prod", set_path("alarms.service_cpu.threshold", 75))
    assert config.alarms.service_cpu.threshold == 75
    assert config.alarms.service_cpu.evaluation_periods == default.service_cpu.evaluation_periods
    assert config.alarms.model_copy(update={"service_cpu": default.service_cpu}) == default


def test_hour_long_alarm_periods_may_evaluate_up_to_seven_days(tmp_path):
    def edit(periods: int):
        def apply(data: dict) -> None:
            data["alarms"] = {"redis_memory": {"period_seconds": 3600, "evaluation_periods": periods}}

        return apply

    (tmp_path / "week").mkdir()
    (tmp_path / "longer").mkdir()
    assert load_edited(tmp_path / "week", "prod", edit(168)).alarms.redis_memory.evaluation_periods == 168
    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path / "longer", "prod", edit(169))
    assert "prod.toml: alarms.redis_memory: period_seconds x evaluation_periods is 608400 s" in str(caught.value)
    assert "at most 604800 s with a period of 3600 s" in str(caught.value)


def test_unknown_environment_is_named():
    with pytest.raises(ConfigError, match="unknown environment 'qa': known environments are dev, staging, prod, local"):
        load_environment("qa")


def test_every_failing_field_is_listed_at_once(tmp_path):
    def edit(data: dict) -> None:
        data["account_id"] = "12"
        data["urls"]["frontend"] = "ftp://x"

    with pytest.raises(ConfigError) as caught:
        load_edited(tmp_path, "prod", edit)
    assert "prod.toml: account_id" in str(caught.value)
    assert "prod.toml: urls.frontend" in str(caught.value)


def test_derived_values_are_computed_not_repeated():
    prod = load_environment("prod")
    assert prod.node_image_repository_uri == "444455556666.dkr.ecr.us-east-1.amazonaws.com/dailydesk-node-base"
    assert prod.parameter_prefix == "/dailydesk/prod"


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_each_environment_has_its_namer_and_says_whether_it_is_emulated(name):
    config = load_environment(name)
    assert config.namer == Namer("dailydesk", name)
    assert config.namer.stack("parent") == f"parent-{name}"
    assert config.is_emulated is (name == "local")
    assert config.is_emulated is (config.emulator is not None)


def test_tables_merge_and_arrays_replace():
    assert merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": 3}, "l": [9]}) == {"a": {"x": 1, "y": 3}, "l": [9]}


def test_emulator_port_override_only_reaches_the_emulator_environment(monkeypatch):
    monkeypatch.setenv("DAILYDESK_EMULATOR_PORT", "4999")
    assert load_environment("local").emulator.endpoint == "http://127.0.0.1:4999"
    assert load_environment("prod").emulator is None


def test_bad_file_fails_synth_before_anything_is_written(tmp_path):
    """End to end through main.py: exit 1, one message naming file and field, no cdktf.out."""
    directory = write_env(tmp_path, "staging", set_path("fargate.memory", 3000))
    outdir = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "DAILYDESK_CONFIG_DIR": str(directory.parent), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "staging.toml: fargate: Fargate does not accept cpu 512 with memory 3000" in result.stderr
    assert not outdir.exists()
