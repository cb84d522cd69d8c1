"""Protection of stateful resources: one list, used by the constructs and by the guard.

The constructs put `prevent_destroy` on these resource types (when the environment's
`protection.prevent_destroy` is on, see `constructs_lib.shared.lifecycle`);
`tools/changeset.py` refuses any plan that deletes or replaces one of them unless the
operator names its address. Pure data: the guard reads it without starting jsii.
"""

from __future__ import annotations

STATEFUL_RESOURCE_TYPES: frozenset[str] = frozenset(
    {
        "aws_cloudwatch_log_group",
        "aws_ecr_repository",
        "aws_elasticache_replication_group",
        "aws_kms_key",
        "aws_lb",
        "aws_s3_bucket",
        # The SNS topics (subscriptions are made by hand) and the jobs'
        # dead-letter queues (failed calls kept for 14 days).
        "aws_sns_topic",
        "aws_sqs_queue",
        "aws_ssm_parameter",
    }
)
