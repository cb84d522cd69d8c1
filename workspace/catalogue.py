"""The spec's 55 SSM parameters and its two secrets, as one table (pure data).

The parent stack writes the table with `constructs_lib.parent.ssm_parameters.SsmParameters`;
the backend, the emulator seed and the preflight read it. It imports nothing of cdktf, so
reading the table never starts the jsii runtime.

`CDK` entries are written by the `parent` workspace from the environment config. `Manual`
entries are created by hand; they are declared here (name, description, sensitive) and
referenced by ARN only: never created, never read by a data source, so their values never
enter a plan or a state file. The spec's two Secrets Manager secrets are referenced the
same way (a metadata lookup for the ARN, never their value); `tools.api_keys` copies each
key into its EventBridge connection after a deploy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from config.schema import EnvironmentConfig
from workspace.naming import Namer


class Source(Enum):
    CDK = "CDK"
    MANUAL = "Manual"


Value = Callable[[EnvironmentConfig, Namer], str]


@dataclass(frozen=True)
class Parameter:
    name: str
    source: Source
    description: str
    sensitive: bool = False
    value: Value | None = None

    @property
    def type(self) -> str:
        return "SecureString" if self.sensitive else "String"

    @property
    def slug(self) -> str:
        """Terraform-safe identifier: `cloudfront/distribution-id` -> `cloudfront_distribution_id`."""
        return self.name.replace("/", "_").replace("-", "_")


# What an EventBridge connection is created with instead of its API key: Terraform never
# holds the key; `tools.api_keys.sync` puts it into the connection after each deploy.
CONNECTION_PLACEHOLDER_PREFIX = "set-by-deploy:"
# The attribute of `aws_cloudwatch_event_connection` that holds the key: Terraform ignores
# its changes, the drift report compares it with the secret.
CONNECTION_API_KEY_ATTRIBUTE = "auth_parameters[0].api_key[0].value"


@dataclass(frozen=True)
class Secret:
    """A Secrets Manager secret created by hand; `key` is the JSON key holding the API key."""

    name: str
    key: str
    description: str

    def arn_pattern(self, config: EnvironmentConfig) -> str:
        # Secrets Manager appends a random 6-character suffix to every secret ARN.
        return f"arn:{config.partition}:secretsmanager:{config.region}:{config.account_id}:secret:{self.name}-??????"

    @property
    def placeholder(self) -> str:
        """The non-secret value the connection of this secret is created with."""
        return f"{CONNECTION_PLACEHOLDER_PREFIX}{self.name}"


# ----------------------------------------------------------- names other workspaces use
# The resources behind these names are created in `backend`; the names are made here so
# the catalogue and the resources can never disagree.


def ecr_repository_name(namer: Namer) -> str:
    return namer.name("backend")


def log_group_name(namer: Namer) -> str:
    return namer.path("backend")


def log_stream_name(namer: Namer) -> str:
    return namer.name("api")


def deployment_topic_name(namer: Namer) -> str:
    return namer.name("deployments")


def deployment_topic_arn(config: EnvironmentConfig, namer: Namer) -> str:
    return f"arn:{config.partition}:sns:{config.region}:{config.account_id}:{deployment_topic_name(namer)}"


# The spec's two delivery pipelines, by the part of their name after `<project>-<env>-`:
# the backend's `ecs-pipeline` and the frontend's `daily-desk-frontend-ci-pipeline`
# (one account may hold several environments, so the environment is in the name too).
BACKEND_PIPELINE = "ecs-pipeline"
FRONTEND_PIPELINE = "frontend-ci-pipeline"
PIPELINES = (BACKEND_PIPELINE, FRONTEND_PIPELINE)


def parameters_key_alias(namer: Namer) -> str:
    """The alias name (after `alias/`) of the KMS key of the parent's SecureStrings."""
    return namer.name("parameters")


def api_key_connections(config: EnvironmentConfig, namer: Namer) -> dict[str, str]:
    """Secret name -> name of its EventBridge connection, for every secret a job uses.

    The backend creates these connections; `tools.api_keys` puts the keys into them.
    """
    return {secret: namer.name(secret) for secret in sorted({job.secret for job in config.jobs})}


def connection_secret_arn_pattern(config: EnvironmentConfig, connection_name: str) -> str:
    """ARN pattern of the secret EventBridge keeps a connection's authorization in
    (`events!connection/<name>/<id>`, created and owned by EventBridge)."""
    return (
        f"arn:{config.partition}:secretsmanager:{config.region}:{config.account_id}:"
        f"secret:events!connection/{connection_name}/*"
    )


def connection_arn_patterns(config: EnvironmentConfig, connection_name: str) -> list[str]:
    """The ARNs IAM may authorize a call on this one connection with: its ARN carries a UUID
    after the name (`connection/<name>/<uuid>`, as DescribeConnection returns it), the Service
    Authorization Reference writes it without (`connection/<name>`). Both name exactly this
    connection: a connection name has no `/`."""
    arn = f"arn:{config.partition}:events:{config.region}:{config.account_id}:connection/{connection_name}"
    return [arn, f"{arn}/*"]


def pipeline_notification_rule_name(namer: Namer, pipeline: str) -> str:
    """The EventBridge rule that sends `pipeline`'s state changes to the deployment topic."""
    return namer.name(pipeline, "notify")


def pipeline_notification_rule_arn(config: EnvironmentConfig, namer: Namer, pipeline: str) -> str:
    rule = pipeline_notification_rule_name(namer, pipeline)
    return f"arn:{config.partition}:events:{config.region}:{config.account_id}:rule/{rule}"


def _cdk(name: str, description: str, value: Value, sensitive: bool = False) -> Parameter:
    return Parameter(name, Source.CDK, description, sensitive, value)


def _manual(name: str, description: str) -> Parameter:
    return Parameter(name, Source.MANUAL, description, sensitive=True)


def _flag(value: bool) -> str:
    return "true" if value else "false"


CATALOGUE: tuple[Parameter, ...] = (
    _cdk("admin/email", "Default admin email", lambda c, n: c.admin.email),
    _cdk("admin/gender", "Default admin gender", lambda c, n: c.admin.gender),
    _manual("admin/password", "Default admin password"),
    _cdk("admin/phone", "Default admin phone", lambda c, n: c.admin.phone),
    _cdk("admin/username", "Default admin username", lambda c, n: c.admin.username),
    _cdk("backend-url", "Backend application URL", lambda c, n: c.urls.backend),
    _cdk(
        "cloudfront/booking-distribution-id",
        "CloudFront distribution ID for the booking application",
        lambda c, n: c.hosting.apps["booking"].distribution_id,
    ),
    _cdk(
        "cloudfront/distribution-id",
        "CloudFront distribution ID for the main website",
        lambda c, n: c.hosting.apps["web"].distribution_id,
    ),
    _cdk(
        "cloudfront/sales-export-distribution-url",
        "CloudFront distribution URL for sales exports",
        lambda c, n: c.hosting.sales_export_distribution_url,
    ),
    _cdk(
        "cloudfront/sales-export-key-pair-id",
        "Key Pair ID for signed URLs for sales exports",
        lambda c, n: c.hosting.sales_export_key_pair_id,
    ),
    _manual("cloudfront/sales-export-private-key", "Private Key for signed URLs for sales exports"),
    _cdk(
        "cloudfront/tablet-distribution-id",
        "CloudFront distribution ID for the tablet application",
        lambda c, n: c.hosting.apps["tablet"].distribution_id,
    ),
    _cdk("cognito/dailydesk/client-id", "Cognito Client ID for the main pool", lambda c, n: c.cognito.client_id),
    _cdk(
        "cognito/dailydesk/customer/client-id",
        "Cognito Client ID for the customer pool",
        lambda c, n: c.cognito.customer_client_id,
    ),
    _cdk(
        "cognito/dailydesk/customer/pool-id",
        "Cognito User Pool ID for customers",
        lambda c, n: c.cognito.customer_pool_id,
    ),
    _cdk("cognito/dailydesk/pool-id", "Cognito User Pool ID for staff", lambda c, n: c.cognito.pool_id),
    _cdk("ecr/node-image-tag", "Tag for the node base image", lambda c, n: c.ecr.node_image_tag),
    _cdk("ecr/node-repository", "ECR Repository URI for the node base image", lambda c, n: c.node_image_repository_uri),
    _cdk(
        "ecr/repository",
        "ECR Repository URI for the backend",
        lambda c, n: f"{c.ecr_registry}/{ecr_repository_name(n)}",
    ),
    _cdk(
        "fargate/auto-scaling/cpu-target-percent",
        "CPU utilization target percentage for auto-scaling",
        lambda c, n: str(c.fargate.auto_scaling.cpu_target_percent),
    ),
    _cdk(
        "fargate/auto-scaling/max-capacity",
        "Maximum capacity for auto-scaling",
        lambda c, n: str(c.fargate.auto_scaling.max_capacity),
    ),
    _cdk(
        "fargate/auto-scaling/memory-target-percent",
        "Memory utilization target percentage for auto-scaling",
        lambda c, n: str(c.fargate.auto_scaling.memory_target_percent),
    ),
    _cdk(
        "fargate/auto-scaling/min-capacity",
        "Minimum capacity for auto-scaling",
        lambda c, n: str(c.fargate.auto_scaling.min_capacity),
    ),
    _cdk("fargate/cpu", "CPU units for Fargate task", lambda c, n: str(c.fargate.cpu)),
    _cdk("fargate/desired-count", "Desired count for Fargate service", lambda c, n: str(c.fargate.desired_count)),
    _cdk("fargate/memory-limit", "Memory limit (MiB) for Fargate task", lambda c, n: str(c.fargate.memory)),
    _cdk("frontend-url", "Frontend application URL", lambda c, n: c.urls.frontend),
    _cdk("frontend/env/api-url", "Backend API URL for frontend to communicate with", lambda c, n: c.urls.frontend_api),
    _cdk("gsm/base-url", "Base URL for the GSM gateway", lambda c, n: c.gsm.base_url),
    _cdk("gsm/is-enabled", "Flag to enable/disable GSM integration", lambda c, n: _flag(c.gsm.enabled)),
    _manual("gsm/password", "Password for GSM gateway"),
    _cdk("gsm/username", "Username for GSM gateway", lambda c, n: c.gsm.username, sensitive=True),
    _manual("iam/access-key", "AWS Access Key ID for application user"),
    _manual("iam/secret-key", "AWS Secret Access Key for application user"),
    _cdk("jwt-expire", "JWT expiration time", lambda c, n: c.jwt.expire),
    _cdk("jwt-refresh-expire", "Refresh token expiration time", lambda c, n: c.jwt.refresh_expire),
    _manual("jwt-refresh-secret", "Secret key for refresh tokens"),
    _manual("jwt-secret", "Secret key for JWT signing"),
    _cdk("logs/log-group", "CloudWatch Log Group name", lambda c, n: log_group_name(n)),
    _cdk("logs/log-stream", "CloudWatch Log Stream name", lambda c, n: log_stream_name(n)),
    _cdk("online-booking-url", "Online booking application URL", lambda c, n: c.urls.online_booking),
    _cdk("rds/dailydesk/name", "Database name", lambda c, n: c.rds.database),
    _cdk("rds/host", "Database host/endpoint", lambda c, n: c.rds.host),
    _manual("rds/password", "Database password"),
    _cdk("rds/port", "Database port", lambda c, n: str(c.rds.port)),
    _cdk("rds/security-group-id", "Security Group ID for RDS", lambda c, n: c.rds.security_group_id),
    _cdk("rds/username", "Database username", lambda c, n: c.rds.username, sensitive=True),
    _cdk("redis/cache-node-type", "Redis cache node type", lambda c, n: c.redis.node_type),
    _cdk(
        "s3/booking-bucket-name",
        "S3 bucket name for hosting the booking application",
        lambda c, n: c.hosting.apps["booking"].bucket,
    ),
    _cdk("s3/sales-export-bucket-name", "S3 bucket name for sales exports", lambda c, n: c.hosting.sales_export_bucket),
    _cdk(
        "s3/tablet-bucket-name",
        "S3 bucket name for hosting the tablet application",
        lambda c, n: c.hosting.apps["tablet"].bucket,
    ),
    _cdk(
        "s3/website-bucket-name",
        "S3 bucket name for hosting the main frontend website",
        lambda c, n: c.hosting.apps["web"].bucket,
    ),
    _manual("sendgrid/api-key", "API Key for SendGrid"),
    _cdk("sendgrid/mail-sender", "Sender email address for SendGrid", lambda c, n: c.sendgrid.mail_sender),
    _cdk("sns/deployment-topic", "SNS Topic ARN for deployment notifications", deployment_topic_arn),
)

SECRETS: tuple[Secret, ...] = (
    Secret("technician-scheduler", "x-api-key", "API Key for the reset-queue endpoint"),
    Secret("send-review-to-customer", "x-api-key-send-sms", "API Key for SMS sending endpoints (campaigns, reviews)"),
)

BY_NAME: dict[str, Parameter] = {parameter.name: parameter for parameter in CATALOGUE}

# Each hosted app's parameters (config.schema.HOSTED_APPS): its bucket and its distribution.
HOSTED_APP_PARAMETERS: dict[str, tuple[str, str]] = {
    "web": ("s3/website-bucket-name", "cloudfront/distribution-id"),
    "tablet": ("s3/tablet-bucket-name", "cloudfront/tablet-distribution-id"),
    "booking": ("s3/booking-bucket-name", "cloudfront/booking-distribution-id"),
}
SECRETS_BY_NAME: dict[str, Secret] = {secret.name: secret for secret in SECRETS}


def value_of(entry: Parameter, config: EnvironmentConfig, namer: Namer) -> str:
    """The value the parent writes for a `CDK` entry."""
    if entry.value is None:
        raise ValueError(f"{entry.name} is a {entry.source.value} parameter: the infrastructure never writes it")
    return entry.value(config, namer)


def plain_values(config: EnvironmentConfig, namer: Namer) -> dict[str, str]:
    """Spec name -> value of every non-sensitive `CDK` parameter (what other workspaces may read)."""
    return {p.name: value_of(p, config, namer) for p in cdk_parameters() if not p.sensitive}


def cdk_parameters() -> tuple[Parameter, ...]:
    return tuple(p for p in CATALOGUE if p.source is Source.CDK)


def manual_parameters() -> tuple[Parameter, ...]:
    return tuple(p for p in CATALOGUE if p.source is Source.MANUAL)


def parameter_arn(config: EnvironmentConfig, namer: Namer, name: str) -> str:
    """ARN of a catalogue parameter, built from its name: no lookup, so no value is read."""
    return (
        f"arn:{config.partition}:ssm:{config.region}:{config.account_id}:parameter{namer.parameter(BY_NAME[name].name)}"
    )
