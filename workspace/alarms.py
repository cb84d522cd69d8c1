"""The backend's alarms by purpose (pure data): the keys of the backend's `alarm_names`
output and what each alarm watches.

A purpose is a kind (`http-5xx-rate`) or a kind and its subject (`dead-letter-queue/reset-queue`,
`redis-memory/001`). `constructs_lib.backend.alarms` names each alarm after its purpose and
describes it with `watches`; the tools render the output in the same words without
starting jsii.
"""

from __future__ import annotations

from dataclasses import dataclass

from workspace.naming import Namer

SEPARATOR = "/"


@dataclass(frozen=True)
class AlarmKind:
    key: str
    # What an alarm of this kind watches; `{subject}` stands for the job or node.
    watches: str
    # What one alarm of this kind is per (None: one alarm in all).
    per: str | None = None

    def purpose(self, subject: str | None = None) -> str:
        if (subject is None) != (self.per is None):
            raise ValueError(f"alarm kind {self.key!r} is per {self.per or 'backend'}: subject {subject!r}")
        return self.key if subject is None else f"{self.key}{SEPARATOR}{subject}"


DEAD_LETTER_QUEUE = AlarmKind(
    "dead-letter-queue", "failed calls of the cron job {subject} waiting in its dead-letter queue", "cron job"
)
HTTP_5XX_RATE = AlarmKind(
    "http-5xx-rate", "percent of the load balancer's requests answered 5xx (by the API or the ALB)"
)
UNHEALTHY_TARGETS = AlarmKind("unhealthy-targets", "API tasks failing the target group's health check")
SERVICE_CPU = AlarmKind("service-cpu", "average CPU utilization of the API service (percent)")
SERVICE_MEMORY = AlarmKind("service-memory", "average memory utilization of the API service (percent)")
REDIS_MEMORY = AlarmKind("redis-memory", "used memory of Redis node {subject} (percent of maxmemory)", "node")
REDIS_EVICTIONS = AlarmKind("redis-evictions", "keys evicted on Redis node {subject}", "node")

KINDS: tuple[AlarmKind, ...] = (
    DEAD_LETTER_QUEUE,
    HTTP_5XX_RATE,
    UNHEALTHY_TARGETS,
    SERVICE_CPU,
    SERVICE_MEMORY,
    REDIS_MEMORY,
    REDIS_EVICTIONS,
)
BY_KEY: dict[str, AlarmKind] = {kind.key: kind for kind in KINDS}

# The deploy engine's default rollback triggers (`[deploy] rollback_alarms` unset): the API's
# alarms, which a bad rollout sets off first (tools/deploy/watch.py).
DEFAULT_ROLLBACK_TRIGGERS: tuple[str, ...] = (HTTP_5XX_RATE.purpose(), UNHEALTHY_TARGETS.purpose())


def parse(purpose: str) -> tuple[AlarmKind, str | None]:
    """The kind and subject of a purpose key; KeyError for an unknown kind."""
    key, _, subject = purpose.partition(SEPARATOR)
    kind = BY_KEY[key]
    kind.purpose(subject or None)  # validates that the subject matches the kind
    return kind, subject or None


def watches(purpose: str) -> str:
    """What the alarm of `purpose` watches, in words."""
    kind, subject = parse(purpose)
    return kind.watches.format(subject=subject)


def alarm_name(namer: Namer, purpose: str) -> str:
    """The CloudWatch name of the alarm of `purpose`: `<project>-<env>-<kind>[-<subject>]`."""
    return namer.name(*purpose.split(SEPARATOR))
