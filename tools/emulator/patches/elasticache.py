"""ElastiCache: replication groups that behave like AWS's (members, flags, deletion),
and cache subnet groups that can be deleted."""

from __future__ import annotations

from typing import Any

from tools.emulator.patches import patch


@patch("elasticache", "CreateReplicationGroup")
def replication_group_member_count() -> None:
    """CreateReplicationGroup with `NumCacheClusters = n` (cluster mode disabled) makes n
    member clusters `<id>-001`…`<id>-00n`: one primary and n-1 replicas, as on AWS.

    Our Redis is a primary plus a replica with automatic failover; moto made only the
    primary, so `num_cache_clusters` read back 1 and every plan wanted to add a node.
    """
    from moto.elasticache.models import ReplicationGroup

    original = ReplicationGroup._set_node_members_clusters_disabled

    def set_members(self: ReplicationGroup, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("replicas_per_node_group") and kwargs.get("num_cache_clusters"):
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        return original(self, *args, **kwargs)

    setattr(ReplicationGroup, "_set_node_members_clusters_disabled", set_members)


@patch("elasticache", "CreateReplicationGroup", "DescribeCacheClusters")
def replication_group_member_clusters() -> None:
    """CreateReplicationGroup creates its member cache clusters, readable with
    DescribeCacheClusters, carrying the group's engine, node type, subnet and security
    groups, port, snapshot settings and at-rest/in-transit encryption flags, as on AWS.

    The provider reads the first member cluster to fill `at_rest_encryption_enabled`,
    `transit_encryption_enabled`, `engine_version` and snapshot settings of
    `aws_elasticache_replication_group`; moto had no such clusters (CacheClusterNotFound,
    tainted resource), and a hand-made one read encryption as false, forcing a replacement.
    """
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup

    original = ElastiCacheBackend.create_replication_group

    def create_replication_group(self: ElastiCacheBackend, *args: Any, **kwargs: Any) -> ReplicationGroup:
        group = original(self, *args, **kwargs)
        members = [member for node_group in group.node_groups for member in node_group["node_group_members"]]
        for member in members:
            cluster = CacheCluster(
                account_id=self.account_id,
                region_name=self.region_name,
                cache_cluster_id=member["cache_cluster_id"],
                cache_node_type=group.cache_node_type,
                replication_group_id=group.replication_group_id,
                az_mode="single-az",
                preferred_availability_zone=member.get("preferred_availability_zone"),
                num_cache_nodes=1,
                engine=group.engine,
                engine_version=group.engine_version,
                cache_parameter_group_name=group.cache_parameter_group_name,
                cache_subnet_group_name=group.cache_subnet_group_name,
                transit_encryption_enabled=group.transit_encryption_enabled,
                network_type=group.network_type,
                ip_discovery=group.ip_discovery,
                snapshot_name=None,
                preferred_maintenance_window=group.preferred_maintenance_window,
                port=group.port,
                notification_topic_arn=group.notification_topic_arn,
                auto_minor_version_upgrade=group.auto_minor_version_upgrade,
                snapshot_retention_limit=group.snapshot_retention_limit,
                snapshot_window=group.snapshot_window,
                auth_token=None,
                outpost_mode=None,
                preferred_outpost_arn=None,
                preferred_availability_zones=None,
                cache_security_group_names=group.cache_security_group_names,
                security_group_ids=group.security_group_ids,
                tags=None,
                snapshot_arns=None,
                preferred_outpost_arns=None,
                log_delivery_configurations=[],
                cache_node_ids_to_remove=None,
                cache_node_ids_to_reboot=None,
            )
            # Flags AWS reports on every member, taken from the group. moto's CacheCluster has
            # no field for three of them (new attributes, hence setattr); its own
            # auth_token_enabled comes from an auth_token not given here.
            setattr(cluster, "at_rest_encryption_enabled", group.at_rest_encryption_enabled)
            cluster.auth_token_enabled = group.auth_token_enabled
            setattr(cluster, "transit_encryption_mode", group.transit_encryption_mode)
            setattr(
                cluster,
                "security_groups",
                [{"SecurityGroupId": sg, "Status": "active"} for sg in group.security_group_ids or []],
            )
            self.cache_clusters[cluster.cache_cluster_id] = cluster
        return group

    setattr(ElastiCacheBackend, "create_replication_group", create_replication_group)


@patch("elasticache", "DeleteReplicationGroup")
def replication_group_deletion_completes() -> None:
    """DeleteReplicationGroup answers with the group in status `deleting`, after which the
    group and its member clusters are gone (ReplicationGroupNotFoundFault), as on AWS.

    moto left the group `deleting` for ever, so `terraform destroy` waited until its
    timeout and the next deploy hit ReplicationGroupAlreadyExists.
    """
    from moto.elasticache.models import ElastiCacheBackend, ReplicationGroup

    original = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(
        self: ElastiCacheBackend, replication_group_id: str, retain_primary_cluster: bool | None
    ) -> ReplicationGroup:
        members = (
            list(self.replication_groups[replication_group_id].member_clusters)
            if replication_group_id in self.replication_groups
            else []
        )
        group = original(self, replication_group_id, retain_primary_cluster)
        del self.replication_groups[replication_group_id]
        for member in members:
            self.cache_clusters.pop(member, None)
        self.tagging_service.delete_all_tags_for_resource(group.arn)
        return group

    setattr(ElastiCacheBackend, "delete_replication_group", delete_replication_group)


@patch("elasticache", "DeleteCacheSubnetGroup")
def delete_cache_subnet_group() -> None:
    """DeleteCacheSubnetGroup exists: it removes an unused subnet group, answers
    CacheSubnetGroupNotFoundFault for an unknown one and CacheSubnetGroupInUse while a
    replication group or cache cluster still uses it, as on AWS.

    `aws_elasticache_subnet_group` (Redis's private subnets) could not be destroyed:
    moto did not implement the action and the provider retried until its timeout.
    """
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

        def __init__(self, name: str) -> None:
            super().__init__(f"Cache subnet group {name} is currently in use by a cache cluster.")

    def backend_delete(self: ElastiCacheBackend, name: str) -> None:
        if name not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        users = [*self.replication_groups.values(), *self.cache_clusters.values()]
        if any(user.cache_subnet_group_name == name for user in users):
            raise CacheSubnetGroupInUse(name)
        group = self.cache_subnet_groups.pop(name)
        self.tagging_service.delete_all_tags_for_resource(group.arn)

    def delete_cache_subnet_group(self: ElastiCacheResponse) -> EmptyResult:
        # backend_delete is the backend's delete_cache_subnet_group (set below), called
        # directly: moto's class does not declare that method.
        backend_delete(self.elasticache_backend, self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    setattr(ElastiCacheBackend, "delete_cache_subnet_group", backend_delete)
    setattr(ElastiCacheResponse, "delete_cache_subnet_group", delete_cache_subnet_group)
