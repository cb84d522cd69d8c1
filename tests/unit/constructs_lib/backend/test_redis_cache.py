"""Redis: replication group encrypted with its own key, in the private subnets, failover where asked."""

import pytest

from config import load_environment
from tests.synth import body, only, ref, statements
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_replication_group_is_encrypted_redis7_in_private_subnets(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    group = only(stack, "aws_elasticache_replication_group")
    assert group["engine"] == "redis"
    assert group["engine_version"] == config.redis.engine_version
    assert group["engine_version"].startswith("7.")
    assert group["node_type"] == config.redis.node_type
    assert group["at_rest_encryption_enabled"] == "true"
    assert group["transit_encryption_enabled"] is True
    assert group["security_group_ids"] == [ref(stack, "aws_security_group", "network/redis", "id")]
    assert group["subnet_group_name"] == ref(stack, "aws_elasticache_subnet_group", "redis/subnet-group", "name")
    assert only(stack, "aws_elasticache_subnet_group")["subnet_ids"] == list(config.network.private_subnet_ids)
    assert len(group["replication_group_id"]) <= 40
    assert group["snapshot_retention_limit"] == config.redis.snapshot_retention_days


@pytest.mark.parametrize(("env", "nodes", "failover"), [("prod", 2, True), ("dev", 1, False), ("local", 2, True)])
def test_failover_and_replica_where_the_environment_asks(synthesized, env, nodes, failover):
    group = only(synthesized[f"backend-{env}"], "aws_elasticache_replication_group")
    assert group["num_cache_clusters"] == nodes
    assert group["automatic_failover_enabled"] is failover
    assert group["multi_az_enabled"] is failover


@pytest.mark.parametrize(("env", "protected"), [("prod", True), ("dev", True), ("local", False)])
def test_replication_group_protection(synthesized, env, protected):
    group = only(synthesized[f"backend-{env}"], "aws_elasticache_replication_group")
    assert group["lifecycle"]["prevent_destroy"] is protected


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_replication_group_is_encrypted_at_rest_with_its_own_rotating_key(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    group = only(stack, "aws_elasticache_replication_group")
    assert group["kms_key_id"] == ref(stack, "aws_kms_key", "redis/key/key", "arn")
    key = body(stack, "aws_kms_key", "redis/key/key")
    assert key["enable_key_rotation"] is True
    assert key["policy"] == ref(stack, "aws_iam_policy_document", "redis/key/policy", "json", data=True)
    assert key["lifecycle"]["prevent_destroy"] is config.protection.prevent_destroy
    assert body(stack, "aws_kms_alias", "redis/key/alias")["name"] == f"alias/dailydesk-{env}-redis"
    # ElastiCache uses the key through grants made with its creator's IAM permissions,
    # which the account statement delegates: no service principal in the key policy.
    found = statements(stack, "redis/key/policy")
    assert list(found) == ["AccountAdministersKey"]
    assert found["AccountAdministersKey"]["principals"] == [
        {"type": "AWS", "identifiers": [f"arn:aws:iam::{config.account_id}:root"]}
    ]
