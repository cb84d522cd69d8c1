"""What the tests parametrise over, derived from its one definition, and environment configs
changed for a test: `changed(load_environment("local"), **{"fargate.cpu": 512})`."""

from __future__ import annotations

from typing import Any

from config import load_environment
from config.naming import Namer
from config.schema import EMULATED_ENVIRONMENT, ENVIRONMENT_NAMES, PROJECT, EnvironmentConfig
from workspace import layers

# The environments (config.schema), those in an AWS account, the layers (workspace.layers),
# and the stacks the app builds: one per layer per environment, `<layer>-<env>`.
ENVIRONMENTS: tuple[str, ...] = ENVIRONMENT_NAMES
REAL_ENVIRONMENTS: tuple[str, ...] = tuple(env for env in ENVIRONMENTS if env != EMULATED_ENVIRONMENT)
LAYERS: tuple[str, ...] = layers.NAMES
STACKS: tuple[str, ...] = tuple(Namer(PROJECT, env).stack(layer) for env in ENVIRONMENTS for layer in LAYERS)


def stacks_of(layer: str) -> tuple[str, ...]:
    """The stacks of `layer`, one per environment."""
    return tuple(Namer(PROJECT, env).stack(layer) for env in ENVIRONMENTS)


def changed(config: EnvironmentConfig, **changes: object) -> EnvironmentConfig:
    """`config` with dotted-path fields replaced (the models are frozen: copies all the way down)."""
    for dotted, value in changes.items():
        config = _replace(config, dotted.split("."), value)
    return config


def environment(name: str, **changes: object) -> EnvironmentConfig:
    return changed(load_environment(name), **changes)


def _replace(model: Any, path: list[str], value: object) -> Any:
    head, *rest = path
    if isinstance(model, dict):
        return {**model, head: _replace(model[head], rest, value) if rest else value}
    return model.model_copy(update={head: _replace(getattr(model, head), rest, value) if rest else value})


# The 46 CDK parameters of `local` as config/environments/local.toml (and the naming rules)
# give them, written out: the expectation of the catalogue tests that does not come from
# the catalogue's own `value` functions.
LOCAL_PARAMETER_VALUES: dict[str, str] = {
    "admin/email": "admin+local@dailydesk.com",
    "admin/gender": "other",
    "admin/phone": "+15550100004",
    "admin/username": "dailydesk-admin",
    "backend-url": "https://api.local.dailydesk.com",
    "cloudfront/booking-distribution-id": "E1LOCABOOK0001",
    "cloudfront/distribution-id": "E1LOCAWEB00001",
    "cloudfront/sales-export-distribution-url": "https://exports.local.dailydesk.com",
    "cloudfront/sales-export-key-pair-id": "K1LOCAEXPORT01",
    "cloudfront/tablet-distribution-id": "E1LOCATAB00001",
    "cognito/dailydesk/client-id": "4p8locstaffclient0000000001",
    "cognito/dailydesk/customer/client-id": "4p8loccustomerclient0000001",
    "cognito/dailydesk/customer/pool-id": "us-east-1_LocaCust01",
    "cognito/dailydesk/pool-id": "us-east-1_LocaStaff1",
    "ecr/node-image-tag": "20-alpine",
    "ecr/node-repository": "123456789012.dkr.ecr.us-east-1.amazonaws.com/dailydesk-node-base",
    "ecr/repository": "123456789012.dkr.ecr.us-east-1.amazonaws.com/dailydesk-local-backend",
    "fargate/auto-scaling/cpu-target-percent": "70",
    "fargate/auto-scaling/max-capacity": "2",
    "fargate/auto-scaling/memory-target-percent": "80",
    "fargate/auto-scaling/min-capacity": "1",
    "fargate/cpu": "256",
    "fargate/desired-count": "1",
    "fargate/memory-limit": "512",
    "frontend-url": "https://app.local.dailydesk.com",
    "frontend/env/api-url": "https://api.local.dailydesk.com/api",
    "gsm/base-url": "https://gsm.local.dailydesk.com",
    "gsm/is-enabled": "true",
    "gsm/username": "dailydesk",
    "jwt-expire": "1h",
    "jwt-refresh-expire": "7d",
    "logs/log-group": "/dailydesk/local/backend",
    "logs/log-stream": "dailydesk-local-api",
    "online-booking-url": "https://booking.local.dailydesk.com",
    "rds/dailydesk/name": "dailydesk",
    "rds/host": "dailydesk-local.c9x1y2z3a4b5.us-east-1.rds.amazonaws.com",
    "rds/port": "5432",
    "rds/security-group-id": "sg-0d1a1e5f7b9d2a431",
    "rds/username": "dailydesk_app",
    "redis/cache-node-type": "cache.t4g.micro",
    "s3/booking-bucket-name": "dailydesk-local-booking",
    "s3/sales-export-bucket-name": "dailydesk-local-sales-exports",
    "s3/tablet-bucket-name": "dailydesk-local-tablet",
    "s3/website-bucket-name": "dailydesk-local-website",
    "sendgrid/mail-sender": "no-reply@dailydesk.com",
    "sns/deployment-topic": "arn:aws:sns:us-east-1:123456789012:dailydesk-local-deployments",
}
