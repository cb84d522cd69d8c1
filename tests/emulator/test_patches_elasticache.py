import contextlib

import pytest

from tests.emulator import aws, network

pytestmark = pytest.mark.emulator


@pytest.fixture
def replication_group(emulator_endpoint):
    client = aws("elasticache", emulator_endpoint)
    _, subnets, group = network(emulator_endpoint, "10.92.0.0/16")
    client.create_cache_subnet_group(
        CacheSubnetGroupName="redis-sn", CacheSubnetGroupDescription="d", SubnetIds=subnets
    )
    client.create_replication_group(
        ReplicationGroupId="redis-rg",
        ReplicationGroupDescription="d",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True,
        Engine="redis",
        EngineVersion="7.1",
        CacheNodeType="cache.t4g.micro",
        CacheSubnetGroupName="redis-sn",
        SecurityGroupIds=[group],
        SnapshotRetentionLimit=7,
    )
    yield client, group
    for call, kwargs in (
        (client.delete_replication_group, {"ReplicationGroupId": "redis-rg"}),
        (client.delete_cache_subnet_group, {"CacheSubnetGroupName": "redis-sn"}),
    ):
        with contextlib.suppress(client.exceptions.ClientError):
            call(**kwargs)


def test_two_cache_clusters_make_two_members(replication_group):
    client, _ = replication_group
    group = client.describe_replication_groups(ReplicationGroupId="redis-rg")["ReplicationGroups"][0]
    assert group["MemberClusters"] == ["redis-rg-001", "redis-rg-002"]
    roles = [m["CurrentRole"] for m in group["NodeGroups"][0]["NodeGroupMembers"]]
    assert roles == ["primary", "replica"]


def test_members_are_readable_with_the_flags_as_sent(replication_group):
    client, security_group = replication_group
    for member in ("redis-rg-001", "redis-rg-002"):
        cluster = client.describe_cache_clusters(CacheClusterId=member)["CacheClusters"][0]
        assert cluster["ReplicationGroupId"] == "redis-rg"
        assert cluster["AtRestEncryptionEnabled"] is True
        assert cluster["TransitEncryptionEnabled"] is True
        assert cluster["EngineVersion"] == "7.1"
        assert cluster["CacheNodeType"] == "cache.t4g.micro"
        assert cluster["CacheSubnetGroupName"] == "redis-sn"
        assert cluster["SnapshotRetentionLimit"] == 7
        assert [g["SecurityGroupId"] for g in cluster["SecurityGroups"]] == [security_group]
    group = client.describe_replication_groups(ReplicationGroupId="redis-rg")["ReplicationGroups"][0]
    assert (group["AtRestEncryptionEnabled"], group["TransitEncryptionEnabled"]) == (True, True)


def test_delete_removes_group_and_members(replication_group):
    client, _ = replication_group
    assert client.delete_replication_group(ReplicationGroupId="redis-rg")["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(client.exceptions.ReplicationGroupNotFoundFault):
        client.describe_replication_groups(ReplicationGroupId="redis-rg")
    with pytest.raises(client.exceptions.CacheClusterNotFoundFault):
        client.describe_cache_clusters(CacheClusterId="redis-rg-001")


def test_delete_cache_subnet_group(replication_group):
    client, _ = replication_group
    with pytest.raises(client.exceptions.ClientError, match="CacheSubnetGroupInUse"):
        client.delete_cache_subnet_group(CacheSubnetGroupName="redis-sn")
    client.delete_replication_group(ReplicationGroupId="redis-rg")
    client.delete_cache_subnet_group(CacheSubnetGroupName="redis-sn")
    with pytest.raises(client.exceptions.CacheSubnetGroupNotFoundFault):
        client.describe_cache_subnet_groups(CacheSubnetGroupName="redis-sn")
