"""The one schema every environment file is validated against.

Each section is a frozen pydantic model with `extra="forbid"`, so a misspelt key is an
error rather than a silently ignored value. Cross-field rules (capacity bounds, Fargate
CPU/memory pairs, Redis failover) live in model validators; values derivable from others
(registry URIs, topic ARNs, the parameter prefix) are computed properties, never repeated
in the files.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, get_args
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from config.naming import Namer

PROJECT = "dailydesk"
# The environments: one file each in config/environments/, the one list of them.
EnvironmentName = Literal["dev", "staging", "prod", "local"]
ENVIRONMENT_NAMES: tuple[str, ...] = get_args(EnvironmentName)
# The one environment deployed into the emulator (its file has the [emulator] section);
# code asks a loaded configuration `is_emulated` rather than comparing names.
EMULATED_ENVIRONMENT: EnvironmentName = "local"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- field types


def _pattern(regex: str, what: str) -> AfterValidator:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return AfterValidator(check)


def _https_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc or " " in value:
        raise ValueError(f"{value!r} is not an https:// URL")
    return value.rstrip("/")


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
        raise ValueError(f"{value!r} is not an http(s):// URL")
    return value.rstrip("/")


NonEmpty = Annotated[str, StringConstraints(min_length=1)]
# A certificate name: a host name, or a wildcard `*.` in front of one (the leftmost label only).
CertificateName = Annotated[
    str, _pattern(r"(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", "certificate name (host or *.host)")
]
AccountId = Annotated[str, _pattern(r"\d{12}", "12-digit AWS account ID")]
Region = Annotated[str, _pattern(r"[a-z]{2}(-gov)?-[a-z]+-\d", "AWS region (e.g. us-east-1)")]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
VpcId = Annotated[str, _pattern(r"vpc-[0-9a-f]{8,17}", "VPC ID (vpc-…)")]
SubnetId = Annotated[str, _pattern(r"subnet-[0-9a-f]{8,17}", "subnet ID (subnet-…)")]
SecurityGroupId = Annotated[str, _pattern(r"sg-[0-9a-f]{8,17}", "security group ID (sg-…)")]
AcmArn = Annotated[
    str, _pattern(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}", "ACM certificate ARN")
]
ConnectionArn = Annotated[
    str,
    _pattern(
        r"arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}",
        "CodeStar connection ARN",
    ),
]
DistributionId = Annotated[str, _pattern(r"E[A-Z0-9]{12,13}", "CloudFront distribution ID")]
KeyPairId = Annotated[str, _pattern(r"K[A-Z0-9]{12,13}", "CloudFront public key ID")]
BucketName = Annotated[str, _pattern(r"(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "S3 bucket name")]
Email = Annotated[str, _pattern(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", "email address")]
Phone = Annotated[str, _pattern(r"\+\d{7,15}", "E.164 phone number (+…)")]
UserPoolId = Annotated[str, _pattern(r"[a-z]{2}(-gov)?-[a-z]+-\d_[0-9A-Za-z]{1,}", "Cognito user pool ID")]
ClientId = Annotated[str, _pattern(r"[0-9a-z]{20,128}", "Cognito app client ID")]
Duration = Annotated[str, _pattern(r"\d+[smhd]", "duration such as 15m, 1h or 7d")]
RepoName = Annotated[str, _pattern(r"[a-z0-9]+(?:[._/-][a-z0-9]+)*", "ECR repository name")]
ImageTag = Annotated[str, _pattern(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", "image tag")]
GitRepository = Annotated[str, _pattern(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "repository (owner/name)")]
Branch = Annotated[str, _pattern(r"[A-Za-z0-9._/-]+", "branch name")]
ApiPath = Annotated[str, _pattern(r"/[A-Za-z0-9/_.-]*", "URL path starting with /")]
NodeType = Annotated[str, _pattern(r"cache\.[a-z0-9]+\.[a-z0-9]+", "ElastiCache node type (cache.x.y)")]
JobName = Annotated[str, _pattern(r"[a-z][a-z0-9-]{1,30}", "job name (lowercase, dashes)")]
# One of the backend's alarms by its purpose (workspace/alarms.py): `kind` or `kind/subject`,
# e.g. `http-5xx-rate`, `redis-memory/001`, `dead-letter-queue/reset-queue`.
AlarmPurpose = Annotated[
    str, _pattern(r"[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?", "alarm purpose (kind or kind/subject)")
]

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# Fargate task sizes AWS accepts: CPU units -> allowed memory (MiB).
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


# --------------------------------------------------------------------------- schedules

_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#L\-]+")
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")


def validate_schedule(value: str) -> str:
    """EventBridge `cron(...)` (6 fields, `?` in day-of-month or day-of-week) or `rate(...)`."""
    rate = _RATE.fullmatch(value)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1:
            raise ValueError(f"{value!r}: a rate must be at least 1")
        if (count == 1) != (not unit.endswith("s")):
            raise ValueError(f"{value!r}: use the singular unit for 1 and the plural otherwise")
        return value
    if value.startswith("cron(") and value.endswith(")"):
        fields = value[5:-1].split(" ")
        if len(fields) != 6 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
            raise ValueError(f"{value!r}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)")
        day_of_month, day_of_week = fields[2], fields[4]
        if (day_of_month == "?") == (day_of_week == "?"):
            raise ValueError(f"{value!r}: exactly one of day-of-month and day-of-week must be '?'")
        minute, hour = fields[0], fields[1]
        for text, upper, what in ((minute, 59, "minutes"), (hour, 23, "hours")):
            for number in re.findall(r"\d+", text):
                if int(number) > upper:
                    raise ValueError(f"{value!r}: {what} value {number} is out of range 0-{upper}")
        return value
    raise ValueError(f"{value!r} is not an EventBridge schedule: use cron(…) or rate(…)")


Schedule = Annotated[str, AfterValidator(validate_schedule)]


# --------------------------------------------------------------------------- sections


class LocalState(Model):
    """Terraform state in files under the repository's (git-ignored) state directory."""

    backend: Literal["local"]
    directory: NonEmpty = "state"


class S3State(Model):
    """S3 state with native lock files (`use_lockfile`), encrypted with KMS."""

    backend: Literal["s3"]
    bucket: BucketName
    region: Region
    key_prefix: NonEmpty = "dailydesk"
    kms_key_id: NonEmpty


class CloudState(Model):
    """Terraform Cloud / HCP Terraform: one workspace per stack, `dailydesk-<layer>-<env>`."""

    backend: Literal["cloud"]
    organization: Annotated[str, _pattern(r"[A-Za-z0-9_-]+", "Terraform Cloud organization")]
    hostname: NonEmpty = "app.terraform.io"


StateConfig = Annotated[LocalState | S3State | CloudState, Field(discriminator="backend")]


class Emulator(Model):
    """The AWS API emulator the `local` environment deploys into. Loopback only."""

    # Throwaway credentials the emulator accepts; never valid against AWS. The one place
    # they are written: the provider, the tools and the tests read them from here.
    ACCESS_KEY_ID: ClassVar[str] = "test"
    SECRET_ACCESS_KEY: ClassVar[str] = "test"

    host: Literal["127.0.0.1", "localhost"] = "127.0.0.1"
    port: int = Field(default=4566, ge=1024, le=65535)

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def boto3_credentials(cls) -> dict[str, str]:
        """The credentials as boto3 client keyword arguments."""
        return {"aws_access_key_id": cls.ACCESS_KEY_ID, "aws_secret_access_key": cls.SECRET_ACCESS_KEY}


class Network(Model):
    """The existing VPC (the external RDS lives there): referenced, never created."""

    vpc_id: VpcId
    public_subnet_ids: tuple[SubnetId, ...] = Field(min_length=2)
    private_subnet_ids: tuple[SubnetId, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _disjoint(self) -> Network:
        shared = set(self.public_subnet_ids) & set(self.private_subnet_ids)
        if shared:
            raise ValueError(f"subnets {sorted(shared)} are listed as both public and private")
        return self


class Urls(Model):
    backend: HttpsUrl
    frontend: HttpsUrl
    online_booking: HttpsUrl
    frontend_api: HttpsUrl


class Admin(Model):
    email: Email
    gender: Literal["male", "female", "other"]
    phone: Phone
    username: Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]


class Cognito(Model):
    pool_id: UserPoolId
    client_id: ClientId
    customer_pool_id: UserPoolId
    customer_client_id: ClientId


class Ecr(Model):
    node_repository: RepoName
    node_image_tag: ImageTag
    keep_images: int = Field(default=30, ge=1, le=1000)


class AutoScaling(Model):
    min_capacity: int = Field(ge=1, le=100)
    max_capacity: int = Field(ge=1, le=100)
    cpu_target_percent: int = Field(ge=10, le=95)
    memory_target_percent: int = Field(ge=10, le=95)

    @model_validator(mode="after")
    def _bounds(self) -> AutoScaling:
        if self.min_capacity > self.max_capacity:
            raise ValueError(f"min_capacity ({self.min_capacity}) is above max_capacity ({self.max_capacity})")
        return self


class Fargate(Model):
    cpu: int
    memory: int
    desired_count: int = Field(ge=0, le=100)
    container_port: int = Field(default=3000, ge=1, le=65535)
    health_check_path: ApiPath = "/api/health"
    health_check_grace_seconds: int = Field(default=60, ge=0, le=2_147_483)
    auto_scaling: AutoScaling

    @model_validator(mode="after")
    def _size(self) -> Fargate:
        if self.cpu not in FARGATE_SIZES:
            raise ValueError(f"cpu {self.cpu} is not a Fargate size; use one of {sorted(FARGATE_SIZES)}")
        if self.memory not in FARGATE_SIZES[self.cpu]:
            allowed = FARGATE_SIZES[self.cpu]
            raise ValueError(
                f"Fargate does not accept cpu {self.cpu} with memory {self.memory}; "
                f"with cpu {self.cpu} use memory {allowed[0]}-{allowed[-1]} ({', '.join(map(str, allowed))})"
            )
        scaling = self.auto_scaling
        if not scaling.min_capacity <= self.desired_count <= scaling.max_capacity:
            raise ValueError(
                f"desired_count ({self.desired_count}) must lie within auto_scaling "
                f"min_capacity..max_capacity ({scaling.min_capacity}..{scaling.max_capacity})"
            )
        return self


class Redis(Model):
    node_type: NodeType
    engine_version: Literal["7.0", "7.1"] = "7.1"
    cache_clusters: int = Field(ge=1, le=6, description="primary plus replicas")
    automatic_failover: bool
    snapshot_retention_days: int = Field(default=7, ge=0, le=35)

    @model_validator(mode="after")
    def _failover(self) -> Redis:
        if self.automatic_failover and self.cache_clusters < 2:
            raise ValueError("automatic_failover needs at least 2 cache_clusters (a primary and a replica)")
        return self


class Rds(Model):
    """The external PostgreSQL instance: connection settings only, never provisioned."""

    host: Annotated[str, _pattern(r"[a-z0-9.-]+", "database host name")]
    port: int = Field(default=5432, ge=1150, le=65535)
    database: Annotated[str, _pattern(r"[A-Za-z_][A-Za-z0-9_]{0,62}", "database name")]
    username: Annotated[str, _pattern(r"[A-Za-z_][A-Za-z0-9_]{0,62}", "database user name")]
    security_group_id: SecurityGroupId


# The React apps the frontend pipeline builds and publishes: the one list of them.
HostedAppName = Literal["web", "tablet", "booking"]
HOSTED_APPS: tuple[HostedAppName, ...] = get_args(HostedAppName)


class HostedApp(Model):
    """One app's hosting: the bucket its build is synced to and the distribution serving it."""

    bucket: BucketName
    distribution_id: DistributionId


class Hosting(Model):
    """External S3 buckets and CloudFront distributions: referenced, never created."""

    apps: dict[HostedAppName, HostedApp]
    sales_export_bucket: BucketName
    sales_export_distribution_url: HttpsUrl
    sales_export_key_pair_id: KeyPairId

    @model_validator(mode="after")
    def _complete_and_distinct(self) -> Hosting:
        missing = [app for app in HOSTED_APPS if app not in self.apps]
        if missing:
            raise ValueError(f"apps needs an entry for each of {', '.join(HOSTED_APPS)}; missing {', '.join(missing)}")
        buckets = list(self.buckets().values())
        if len(set(buckets)) != len(buckets):
            raise ValueError("the apps' buckets and the sales-export bucket must be different buckets")
        return self

    def buckets(self) -> dict[str, str]:
        """Every hosting bucket by the field that names it (`apps.web.bucket`, `sales_export_bucket`)."""
        return {
            **{f"apps.{name}.bucket": self.apps[name].bucket for name in HOSTED_APPS if name in self.apps},
            "sales_export_bucket": self.sales_export_bucket,
        }

    def distributions(self) -> dict[str, str]:
        """Every app's distribution ID by the field that names it (`apps.web.distribution_id`)."""
        return {f"apps.{name}.distribution_id": self.apps[name].distribution_id for name in HOSTED_APPS}


class Gsm(Model):
    base_url: HttpUrl
    enabled: bool
    username: NonEmpty


class Jwt(Model):
    expire: Duration
    refresh_expire: Duration


class Logs(Model):
    retention_days: int

    @model_validator(mode="after")
    def _retention(self) -> Logs:
        if self.retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"retention_days {self.retention_days} is not a CloudWatch value; use one of {LOG_RETENTION_DAYS}"
            )
        return self


class Sendgrid(Model):
    mail_sender: Email


class LoadBalancer(Model):
    deletion_protection: bool
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000)


class Pipelines(Model):
    connection_arn: ConnectionArn
    backend_repository: GitRepository
    backend_branch: Branch
    frontend_repository: GitRepository
    frontend_branch: Branch
    artifact_retention_days: int = Field(default=30, ge=1, le=3650)


class Ci(Model):
    """The CI that deploys this repository: GitHub Actions with OIDC roles (policy/iam/trust-*.json)."""

    # `owner/name` of this repository on GitHub: the only one whose workflows the CI roles trust.
    github_repository: Annotated[str, _pattern(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "GitHub repository (owner/name)")]


class Protection(Model):
    """`prevent_destroy` on every stateful resource. Only a disposable environment (the
    emulator) turns it off, so that `make destroy-local` can remove what it made."""

    prevent_destroy: bool = True


# CloudWatch's limit on an alarm's evaluation range (period x evaluation periods): one day
# for periods under an hour, seven days otherwise (PutMetricAlarm).
ALARM_RANGE_SHORT_PERIODS = 86_400
ALARM_RANGE_LONG_PERIODS = 604_800


class AlarmRule(Model):
    """When one alarm fires: its statistic is above `threshold` in `datapoints_to_alarm` of
    the last `evaluation_periods` periods of `period_seconds` each."""

    period_seconds: int = Field(ge=60, le=86_400)
    evaluation_periods: int = Field(ge=1)
    datapoints_to_alarm: int = Field(ge=1)

    @model_validator(mode="after")
    def _evaluation(self) -> AlarmRule:
        # The AWS metrics alarmed on have one-minute resolution: a shorter or an uneven
        # period would leave the alarm in INSUFFICIENT_DATA.
        if self.period_seconds % 60:
            raise ValueError(f"period_seconds {self.period_seconds} is not a multiple of 60")
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError(
                f"datapoints_to_alarm ({self.datapoints_to_alarm}) exceeds evaluation_periods "
                f"({self.evaluation_periods})"
            )
        limit = ALARM_RANGE_SHORT_PERIODS if self.period_seconds < 3600 else ALARM_RANGE_LONG_PERIODS
        total = self.period_seconds * self.evaluation_periods
        if total > limit:
            raise ValueError(
                f"period_seconds x evaluation_periods is {total} s; CloudWatch evaluates at most {limit} s "
                f"with a period of {self.period_seconds} s"
            )
        return self


class PercentAlarm(AlarmRule):
    """An alarm on a percentage (utilization, error rate)."""

    threshold: float = Field(ge=0, lt=100)


class CountAlarm(AlarmRule):
    """An alarm on a count (messages, hosts, evictions); 0 means "any"."""

    threshold: int = Field(ge=0, le=1_000_000)


class Alarms(Model):
    """The backend's CloudWatch alarms (what each watches: docs/architecture.md, "Alarms")."""

    dead_letter_queue: CountAlarm
    http_5xx_rate: PercentAlarm
    unhealthy_targets: CountAlarm
    service_cpu: PercentAlarm
    service_memory: PercentAlarm
    redis_memory: PercentAlarm
    redis_evictions: CountAlarm


TERRAFORM_DEFAULT_PARALLELISM = 10
# CloudFormation's limits of a rollback configuration: 5 triggers, a 0-180 minute window.
MAX_ROLLBACK_ALARMS = 5
MAX_MONITOR_MINUTES = 180


class Deploy(Model):
    """How the deploy engine (tools/deploy/engine.py) runs an apply of this environment's workspaces."""

    # An apply still running after this is cancelled (one SIGINT, Terraform saves its state)
    # and rolled back, as CloudFormation's "Cancel update stack". `TIMEOUT=` overrides it per run.
    timeout_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Terraform's -parallelism for plan, apply and destroy: how many resource operations run
    # at once. 10 is Terraform's own default and suits AWS (API throttling). The emulator has
    # no throttling, but the provider's fixed waits (KMS keys 12 s, SQS queues 25 s, S3
    # lifecycle 55 s) fill 10 slots at once and hold back everything else behind them.
    parallelism: int = Field(default=TERRAFORM_DEFAULT_PARALLELISM, ge=1, le=100)
    # CloudFormation's rollback triggers (tools/deploy/watch.py): the backend's alarms, by
    # purpose, that fail and roll back a backend deploy when one goes to ALARM during the apply
    # or in the `monitor_minutes` after it. At most 5, as CloudFormation. Unset: the API's
    # alarms (workspace.alarms.DEFAULT_ROLLBACK_TRIGGERS); `[]`: none.
    rollback_alarms: Annotated[tuple[AlarmPurpose, ...], Field(max_length=MAX_ROLLBACK_ALARMS)] | None = None
    # The monitoring window after the apply, in minutes (CloudFormation's 0-180); fractions
    # allowed (0.25 = 15 s, for the emulator).
    monitor_minutes: float = Field(default=10, ge=0, le=MAX_MONITOR_MINUTES, allow_inf_nan=False)

    @model_validator(mode="after")
    def _distinct_triggers(self) -> Deploy:
        triggers = self.rollback_alarms or ()
        if len(set(triggers)) != len(triggers):
            raise ValueError(f"rollback_alarms names an alarm twice: {list(triggers)}")
        return self


class CronJob(Model):
    """One EventBridge schedule that calls the API with the key of one secret."""

    name: JobName
    schedule: Schedule
    path: ApiPath
    method: Literal["POST", "PUT", "GET"] = "POST"
    secret: Literal["technician-scheduler", "send-review-to-customer"]


def certificate_covers(name: str, host: str) -> bool:
    """Whether a certificate name serves `host`, as TLS clients match it (RFC 6125).

    A plain name covers exactly that host. A wildcard `*.a.b` covers one label in the
    wildcard's place: `x.a.b`, but neither `a.b` nor `y.x.a.b`.
    """
    name, host = name.lower().rstrip("."), host.lower().rstrip(".")
    if not name.startswith("*."):
        return name == host
    label, dot, rest = host.partition(".")
    return bool(label) and bool(dot) and rest == name[2:]


def uncovered_hosts(names: tuple[str, ...] | list[str], hosts: dict[str, str]) -> dict[str, str]:
    """The entries of `hosts` (field -> host) that no name in `names` covers."""
    return {field: host for field, host in hosts.items() if not any(certificate_covers(n, host) for n in names)}


class Certificate(Model):
    """The ACM certificate of the environment's HTTPS endpoints, created by hand.

    `names` are the names the certificate was issued for (its domain name and subject
    alternative names); every URL the environment serves must be covered by one of them.
    """

    arn: AcmArn
    names: tuple[CertificateName, ...]

    @model_validator(mode="after")
    def _named(self) -> Certificate:
        if not self.names:
            raise ValueError("names must list the certificate's names (its domain name and alternative names)")
        return self


class EnvironmentConfig(Model):
    """One environment: everything the three workspaces need, validated at synth time."""

    name: EnvironmentName
    account_id: AccountId
    region: Region
    certificate: Certificate
    tags: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,127}$")], NonEmpty] = {}
    state: StateConfig
    emulator: Emulator | None = None
    network: Network
    urls: Urls
    admin: Admin
    cognito: Cognito
    ecr: Ecr
    fargate: Fargate
    redis: Redis
    rds: Rds
    hosting: Hosting
    gsm: Gsm
    jwt: Jwt
    logs: Logs
    sendgrid: Sendgrid
    load_balancer: LoadBalancer
    pipelines: Pipelines
    ci: Ci
    protection: Protection = Protection()
    alarms: Alarms
    deploy: Deploy = Deploy()
    jobs: tuple[CronJob, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> EnvironmentConfig:
        for arn, what in (
            (self.certificate.arn, "certificate.arn"),
            (self.pipelines.connection_arn, "pipelines.connection_arn"),
        ):
            account, region = arn.split(":")[4], arn.split(":")[3]
            if account != self.account_id or region != self.region:
                raise ValueError(
                    f"{what} belongs to {account}/{region}, not this environment's {self.account_id}/{self.region}"
                )
        # Only the `local` environment talks to the emulator, and it always does: a real
        # account must never be reachable from it, nor the emulator from a real one.
        if self.is_emulated != (self.name == EMULATED_ENVIRONMENT):
            raise ValueError("the [emulator] section belongs to the local environment, and only to it")
        if self.is_emulated and self.state.backend != "local":
            raise ValueError("an emulator environment keeps its state in the local backend")
        if self.state.backend == "cloud" and self.deploy.parallelism != TERRAFORM_DEFAULT_PARALLELISM:
            # HCP Terraform refuses a run with another -parallelism ("Custom parallelism values
            # are currently not supported"); its runs take it from the workspace's environment.
            raise ValueError(
                f"deploy.parallelism must stay {TERRAFORM_DEFAULT_PARALLELISM} with the cloud state backend "
                "(HCP Terraform does not accept -parallelism; set TFE_PARALLELISM on the workspace instead)"
            )
        names = [job.name for job in self.jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        return self

    @model_validator(mode="after")
    def _certificate_serves_the_urls(self) -> EnvironmentConfig:
        # One error per URL, at the URL's own field, so the loader names file and field.
        names = ", ".join(self.certificate.names)
        errors = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "certificate_coverage",
                    "host {host} is not covered by the certificate (certificate.names: {names}); "
                    "a wildcard covers exactly one label",
                    {"host": host, "names": names},
                ),
                loc=tuple(field.split(".")),
                input=host,
            )
            for field, host in uncovered_hosts(self.certificate.names, self.served_hosts).items()
        ]
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    # ----------------------------------------------------------------- derived values
    @property
    def project(self) -> str:
        return PROJECT

    @property
    def namer(self) -> Namer:
        """The environment's physical names and standard tags (`<project>-<env>-…`)."""
        return Namer(PROJECT, self.name)

    @property
    def is_emulated(self) -> bool:
        """Whether the environment lives in the emulator (only `local`, the schema checks),
        not in an AWS account."""
        return self.emulator is not None

    @property
    def served_hosts(self) -> dict[str, str]:
        """Field -> host of every URL served with `certificate`: the API on the load
        balancer (`urls.backend`, `urls.frontend_api`), the apps on CloudFront
        (`urls.frontend`, `urls.online_booking`)."""
        urls = self.urls
        served = {
            "urls.backend": urls.backend,
            "urls.frontend_api": urls.frontend_api,
            "urls.frontend": urls.frontend,
            "urls.online_booking": urls.online_booking,
        }
        return {field: urlparse(url).hostname or "" for field, url in served.items()}

    @property
    def parameter_prefix(self) -> str:
        return f"/{PROJECT}/{self.name}"

    @property
    def ecr_registry(self) -> str:
        return f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com"

    @property
    def node_image_repository_uri(self) -> str:
        return f"{self.ecr_registry}/{self.ecr.node_repository}"

    @property
    def node_image_repository_arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account_id}:repository/{self.ecr.node_repository}"

    @property
    def partition(self) -> str:
        return "aws-us-gov" if "-gov-" in self.region else "aws"

    @property
    def permissions_boundary_name(self) -> str:
        """The IAM policy every role of the stacks carries as its permissions boundary; created
        once per account outside the stacks (README), its content `make iam-policy ROLE=boundary`."""
        return f"{PROJECT}-{self.name}-permissions-boundary"

    @property
    def permissions_boundary_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:policy/{self.permissions_boundary_name}"
