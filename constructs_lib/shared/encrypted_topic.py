"""An SNS topic encrypted with its own KMS key, which one AWS service may publish to."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps, ServiceUse
from constructs_lib.shared.iam import Condition, statement
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext


@dataclass(frozen=True)
class EncryptedTopicProps:
    context: AwsContext
    topic_name: str
    key_alias: str
    # The service principal that publishes (e.g. "cloudwatch.amazonaws.com") ...
    publisher: str
    # ... the sid of its statement in the topic policy, and on whose behalf it may publish.
    publish_sid: str
    publish_conditions: tuple[Condition, ...]
    # Conditions on the publisher's use of the key (required: `ServiceUse`), e.g. its
    # source keys, or the topic's encryption context where the service sends none.
    key_conditions: tuple[Condition, ...]


class EncryptedTopic(Construct):
    """Creates the SNS topic (`topic`, protected from destroy), encrypted with its own KMS
    key (`key`) that `publisher` may use under `key_conditions`, and a topic policy (`policy`, its document
    `policy_document`) that lets `publisher` publish only under `publish_conditions`.
    Subscriptions are added by hand (e-mail, chat). Exposes `arn`.
    """

    def __init__(self, scope: Construct, id: str, *, props: EncryptedTopicProps) -> None:
        super().__init__(scope, id)
        if not props.publish_conditions:
            raise ValueError(f"topic {props.topic_name}: say on whose behalf {props.publisher} may publish")
        self.key = EncryptionKey(
            self,
            "key",
            props=EncryptionKeyProps(
                context=props.context,
                alias=props.key_alias,
                description=f"Encrypts the SNS topic {props.topic_name}",
                services=(ServiceUse("ServicesEncrypt", props.publisher, conditions=props.key_conditions),),
            ),
        )
        self.topic = SnsTopic(
            self,
            "topic",
            name=props.topic_name,
            kms_master_key_id=self.key.arn,
            lifecycle=lifecycle(props.context.prevent_destroy),
        )
        self.policy_document = DataAwsIamPolicyDocument(
            self,
            "policy-document",
            statement=[
                statement(
                    props.publish_sid,
                    ["sns:Publish"],
                    [self.topic.arn],
                    principals=[("Service", [props.publisher])],
                    conditions=props.publish_conditions,
                )
            ],
        )
        self.policy = SnsTopicPolicy(self, "policy", arn=self.topic.arn, policy=self.policy_document.json)

    @property
    def arn(self) -> str:
        return self.topic.arn
