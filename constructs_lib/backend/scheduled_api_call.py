"""Cron jobs that call the API: EventBridge connections, API destinations, rules, targets.

A connection authorizes with an API key that EventBridge keeps in a secret of its own.
Terraform creates the connection with a placeholder and never learns the key
(`tools.api_keys` copies it from the hand-made secret after each deploy), so no key is in
a plan or the state. See docs/architecture.md, "Cron jobs".
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_event_api_destination import CloudwatchEventApiDestination
from cdktf_cdktf_provider_aws.cloudwatch_event_connection import (
    CloudwatchEventConnection,
    CloudwatchEventConnectionAuthParameters,
    CloudwatchEventConnectionAuthParametersApiKey,
)
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from constructs_lib.shared.iam import allow, service_role, statement
from constructs_lib.shared.lifecycle import lifecycle
from workspace.catalogue import CONNECTION_API_KEY_ATTRIBUTE
from workspace.context import AwsContext
from workspace.naming import MAX_IAM_ROLE_NAME

EVENTS_SERVICE = "events.amazonaws.com"
# A failed call is retried for up to an hour, then kept in the DLQ for 14 days (the SQS maximum).
DEFAULT_MAX_RETRY_ATTEMPTS = 5
DEFAULT_MAX_EVENT_AGE_SECONDS = 3600
DEFAULT_DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# The jobs fire a few times an hour: one call per second is plenty and protects the API.
DEFAULT_INVOCATION_RATE_PER_SECOND = 1


@dataclass(frozen=True)
class ApiKeyConnectionProps:
    name: str
    header: str
    placeholder: str
    description: str


class ApiKeyConnection(Construct):
    """Creates an EventBridge connection with API-key authorization: header = `header`,
    value = `placeholder`, a non-secret text the deploy replaces with the real key.

    Terraform ignores changes of the value (`CONNECTION_API_KEY_ATTRIBUTE`), so a later change of the
    placeholder never sends it over the real key. Any other update of the connection sends
    the placeholder again (the provider sends every auth parameter), which is why the key is
    copied after every apply. Exposes `connection`.
    """

    def __init__(self, scope: Construct, id: str, *, props: ApiKeyConnectionProps) -> None:
        super().__init__(scope, id)
        self.connection = CloudwatchEventConnection(
            self,
            "connection",
            name=props.name,
            description=props.description,
            authorization_type="API_KEY",
            auth_parameters=CloudwatchEventConnectionAuthParameters(
                api_key=CloudwatchEventConnectionAuthParametersApiKey(key=props.header, value=props.placeholder)
            ),
            lifecycle=TerraformResourceLifecycle(ignore_changes=[CONNECTION_API_KEY_ATTRIBUTE]),
        )


@dataclass(frozen=True)
class ScheduledApiCallProps:
    context: AwsContext
    job_name: str
    schedule: str
    endpoint: str
    method: str
    connection_arn: str
    max_retry_attempts: int = DEFAULT_MAX_RETRY_ATTEMPTS
    max_event_age_seconds: int = DEFAULT_MAX_EVENT_AGE_SECONDS
    dlq_retention_seconds: int = DEFAULT_DLQ_RETENTION_SECONDS
    invocation_rate_per_second: int = DEFAULT_INVOCATION_RATE_PER_SECOND


class ScheduledApiCall(Construct):
    """One cron job: an API destination on `endpoint` through the connection, a scheduled
    rule, and its target with a retry policy, a role allowed only to invoke that destination,
    and an encrypted dead-letter queue (protected from destroy) that only this rule may
    write to (a call that still fails is kept, never silently lost).

    Expects a connection ARN and a validated schedule expression. Exposes `destination`,
    `rule`, `target`, `role`, `dead_letter_queue`.
    """

    def __init__(self, scope: Construct, id: str, *, props: ScheduledApiCallProps) -> None:
        super().__init__(scope, id)
        p = props
        name = p.context.namer.name(p.job_name)
        self.destination = CloudwatchEventApiDestination(
            self,
            "destination",
            name=name,
            description=f"{p.method} {p.endpoint}",
            connection_arn=p.connection_arn,
            invocation_endpoint=p.endpoint,
            http_method=p.method,
            invocation_rate_limit_per_second=p.invocation_rate_per_second,
        )
        self.rule = CloudwatchEventRule(
            self, "rule", name=name, description=f"Schedule of the {p.job_name} job", schedule_expression=p.schedule
        )
        self.dead_letter_queue = SqsQueue(
            self,
            "dead-letter-queue",
            name=p.context.namer.name(p.job_name, "dlq"),
            message_retention_seconds=p.dlq_retention_seconds,
            sqs_managed_sse_enabled=True,
            lifecycle=lifecycle(p.context.prevent_destroy),
        )
        queue_policy = DataAwsIamPolicyDocument(
            self,
            "dead-letter-queue-policy-document",
            statement=[
                statement(
                    "FromThisRuleOnly",
                    ["sqs:SendMessage"],
                    [self.dead_letter_queue.arn],
                    principals=[("Service", [EVENTS_SERVICE])],
                    conditions=[("ArnEquals", "aws:SourceArn", [self.rule.arn])],
                )
            ],
        )
        SqsQueuePolicy(self, "dead-letter-queue-policy", queue_url=self.dead_letter_queue.url, policy=queue_policy.json)
        self.role = service_role(
            self,
            "role",
            name=p.context.namer.name(p.job_name, "invoke", max_len=MAX_IAM_ROLE_NAME),
            service=EVENTS_SERVICE,
            account_id=p.context.account_id,
            permissions_boundary=p.context.permissions_boundary_arn,
            source_arns=(self.rule.arn,),
            description=f"EventBridge: invoke the {p.job_name} API destination",
            statements=[allow("InvokeDestination", ["events:InvokeApiDestination"], [self.destination.arn])],
        )
        self.target = CloudwatchEventTarget(
            self,
            "target",
            rule=self.rule.name,
            target_id=p.job_name,
            arn=self.destination.arn,
            role_arn=self.role.arn,
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_retry_attempts=p.max_retry_attempts, maximum_event_age_in_seconds=p.max_event_age_seconds
            ),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=self.dead_letter_queue.arn),
        )
