"""Deployment notifications: pipeline state changes reach the `sns/deployment-topic` topic.

The topic lives in the `backend` workspace. Each pipeline adds an EventBridge rule on its
own execution state changes with the topic as target; the topic policy lets exactly those
rules publish. The rule names come from `workspace.catalogue`, so the backend's topic
policy and the frontend's rule agree without reading each other's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from constructs import Construct

from constructs_lib.shared.encrypted_topic import EncryptedTopic, EncryptedTopicProps
from workspace.context import AwsContext

EVENTS_PRINCIPAL = "events.amazonaws.com"
# Every run's start, success, failure, cancellation and supersession.
DEFAULT_DETAIL_TYPES = ("CodePipeline Pipeline Execution State Change",)
DEFAULT_STATES = ("STARTED", "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED")


@dataclass(frozen=True)
class DeploymentTopicProps:
    context: AwsContext
    topic_name: str
    key_alias: str
    # ARNs of the EventBridge rules allowed to publish (the pipelines' `rule_arn`s).
    publisher_rule_arns: tuple[str, ...]


class DeploymentTopic(EncryptedTopic):
    """An `EncryptedTopic`: the SNS topic (`topic`, protected from destroy), encrypted with
    its own KMS key (`key`) that EventBridge may use for this topic's messages only, and a
    topic policy that lets EventBridge publish only on behalf of `publisher_rule_arns`
    (`aws:SourceArn`).
    """

    def __init__(self, scope: Construct, id: str, *, props: DeploymentTopicProps) -> None:
        if not props.publisher_rule_arns:
            raise ValueError("a deployment topic needs at least one publishing rule")
        # Written out rather than read from the topic: the topic references the key.
        topic_arn = props.context.arn("sns", props.topic_name)
        super().__init__(
            scope,
            id,
            props=EncryptedTopicProps(
                context=props.context,
                topic_name=props.topic_name,
                key_alias=props.key_alias,
                publisher=EVENTS_PRINCIPAL,
                publish_sid="PipelineRulesPublish",
                publish_conditions=(("ArnEquals", "aws:SourceArn", props.publisher_rule_arns),),
                # AWS documents no aws:SourceAccount/aws:SourceArn for EventBridge's use of a
                # topic key, and a condition on a key the request does not carry denies it:
                # every notification would be dropped silently. What SNS does send, with
                # every data-key request of an encrypted topic, is the encryption context
                # `aws:sns:topicArn` (AWS's own key policies for services publishing to an
                # encrypted topic condition on it): the key serves EventBridge for this
                # topic only. kms:ViaService is left out: AWS documents it for requests a
                # service makes on behalf of an IAM principal, not for a service principal.
                key_conditions=(("StringEquals", "kms:EncryptionContext:aws:sns:topicArn", [topic_arn]),),
            ),
        )


@dataclass(frozen=True)
class PipelineNotificationProps:
    rule_name: str
    pipeline_name: str
    topic_arn: str
    states: tuple[str, ...] = DEFAULT_STATES


class PipelineNotification(Construct):
    """Creates an EventBridge rule on the execution state changes of one pipeline (`rule`)
    and its target, the deployment topic (`target`). Expects the topic's policy to admit
    this rule's ARN (see `DeploymentTopic`).
    """

    def __init__(self, scope: Construct, id: str, *, props: PipelineNotificationProps) -> None:
        super().__init__(scope, id)
        pattern = {
            "source": ["aws.codepipeline"],
            "detail-type": list(DEFAULT_DETAIL_TYPES),
            "detail": {"pipeline": [props.pipeline_name], "state": list(props.states)},
        }
        self.rule = CloudwatchEventRule(
            self,
            "rule",
            name=props.rule_name,
            description=f"Execution state changes of {props.pipeline_name}",
            event_pattern=json.dumps(pattern, sort_keys=True),
        )
        self.target = CloudwatchEventTarget(
            self, "target", rule=self.rule.name, arn=props.topic_arn, target_id="deployment-topic"
        )
