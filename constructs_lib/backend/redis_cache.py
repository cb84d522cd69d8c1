"""The API's Redis: an ElastiCache replication group in the private subnets."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.elasticache_replication_group import ElasticacheReplicationGroup
from cdktf_cdktf_provider_aws.elasticache_subnet_group import ElasticacheSubnetGroup
from constructs import Construct

from constructs_lib.shared.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.shared.lifecycle import lifecycle
from workspace.context import AwsContext
from workspace.naming import MAX_ELASTICACHE_ID

DEFAULT_PORT = 6379
DEFAULT_PARAMETER_GROUP = "default.redis7"
# Both windows in the quiet hours (UTC), snapshot before maintenance.
DEFAULT_SNAPSHOT_WINDOW = "02:00-03:00"
DEFAULT_MAINTENANCE_WINDOW = "sun:04:00-sun:05:00"


@dataclass(frozen=True)
class RedisCacheProps:
    context: AwsContext
    subnet_ids: tuple[str, ...]
    security_group_id: str
    node_type: str
    engine_version: str
    cache_clusters: int
    automatic_failover: bool
    snapshot_retention_days: int
    port: int = DEFAULT_PORT


class RedisCache(Construct):
    """Creates a subnet group and a Redis 7 replication group (cluster mode off): encrypted
    at rest with its own KMS key (`key`) and in transit, `cache_clusters` nodes (primary +
    replicas), automatic failover and Multi-AZ together when the environment asks for
    them, daily snapshots, protected from destroy.

    ElastiCache uses the key through grants it creates with the permissions of whoever
    creates the group (kms:CreateGrant, delegated to IAM by the key policy's account
    statement), so the key policy names no service.

    Expects private subnets and the Redis security group. Exposes `replication_group`,
    `endpoint` (primary endpoint address) and `port`.
    """

    def __init__(self, scope: Construct, id: str, *, props: RedisCacheProps) -> None:
        super().__init__(scope, id)
        p = props
        name = p.context.namer.name("redis", max_len=MAX_ELASTICACHE_ID)
        self.key = EncryptionKey(
            self,
            "key",
            props=EncryptionKeyProps(
                context=p.context,
                alias=p.context.namer.name("redis"),
                description=f"Encrypts the Redis replication group {name} at rest (disks, snapshots)",
            ),
        )
        self.subnet_group = ElasticacheSubnetGroup(
            self,
            "subnet-group",
            name=name,
            description="Private subnets of the API's Redis",
            subnet_ids=list(p.subnet_ids),
        )
        self.replication_group = ElasticacheReplicationGroup(
            self,
            "replication-group",
            replication_group_id=name,
            description="DailyDesk API cache and queues",
            engine="redis",
            engine_version=p.engine_version,
            node_type=p.node_type,
            num_cache_clusters=p.cache_clusters,
            automatic_failover_enabled=p.automatic_failover,
            # Multi-AZ requires failover; a replica in another AZ is what failover promotes.
            multi_az_enabled=p.automatic_failover,
            port=p.port,
            parameter_group_name=DEFAULT_PARAMETER_GROUP,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[p.security_group_id],
            at_rest_encryption_enabled="true",
            # Forces a new group when it changes: the key is chosen at creation only.
            kms_key_id=self.key.arn,
            transit_encryption_enabled=True,
            snapshot_retention_limit=p.snapshot_retention_days,
            snapshot_window=DEFAULT_SNAPSHOT_WINDOW,
            maintenance_window=DEFAULT_MAINTENANCE_WINDOW,
            auto_minor_version_upgrade="true",
            apply_immediately=False,
            lifecycle=lifecycle(p.context.prevent_destroy),
        )
        self.endpoint = self.replication_group.primary_endpoint_address
        self.port = p.port
