"""Security groups of the backend: only the flows of the architecture are open."""

import pytest

from config import load_environment
from tests.synth import body, ref, resources
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS


def ours(stack: dict, block_type: str) -> list[dict]:
    """Blocks created by the ServiceNetwork construct (the pipeline adds its own elsewhere)."""
    return [r for r in resources(stack, block_type).values() if "/network/" in r["//"]["metadata"]["path"]]


def rule_set(stack: dict, rule_type: str) -> set[tuple]:
    return {
        (
            r["security_group_id"],
            r.get("referenced_security_group_id") or r.get("cidr_ipv4"),
            r["from_port"],
            r["to_port"],
            r["ip_protocol"],
        )
        for r in ours(stack, rule_type)
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_ingress_rules_are_exactly_the_architecture_flows(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    alb = ref(stack, "aws_security_group", "network/alb", "id")
    service = ref(stack, "aws_security_group", "network/service", "id")
    redis = ref(stack, "aws_security_group", "network/redis", "id")
    port = config.fargate.container_port
    rds, rds_port = config.rds.security_group_id, config.rds.port
    flows = {
        (alb, "0.0.0.0/0", 80, 80, "tcp"),
        (alb, "0.0.0.0/0", 443, 443, "tcp"),
        (service, alb, port, port, "tcp"),
        (redis, service, 6379, 6379, "tcp"),
        (rds, service, rds_port, rds_port, "tcp"),
    }
    rules = rule_set(stack, "aws_vpc_security_group_ingress_rule")
    assert flows <= rules
    # The only other rules are PostgreSQL into the RDS group (allow_into_rds: the migration runner).
    extras = rules - flows
    assert all(rule[0] == rds and rule[2:] == (rds_port, rds_port, "tcp") for rule in extras), extras
    assert all(rule[1].startswith("${aws_security_group.") for rule in extras), extras


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_egress_rules_are_exactly_the_architecture_flows(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    alb = ref(stack, "aws_security_group", "network/alb", "id")
    service = ref(stack, "aws_security_group", "network/service", "id")
    redis = ref(stack, "aws_security_group", "network/redis", "id")
    port = config.fargate.container_port
    assert rule_set(stack, "aws_vpc_security_group_egress_rule") == {
        (alb, service, port, port, "tcp"),
        (service, redis, 6379, 6379, "tcp"),
        (service, config.rds.security_group_id, 5432, 5432, "tcp"),
        (service, "0.0.0.0/0", 443, 443, "tcp"),
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_groups_live_in_the_configured_vpc_without_inline_rules(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    groups = ours(stack, "aws_security_group")
    assert len(groups) == 3
    for group in groups:
        assert group["vpc_id"] == config.network.vpc_id
        assert "ingress" not in group and "egress" not in group
        assert group["name"].startswith(f"dailydesk-{env}-")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_existing_vpc_and_rds_group_are_referenced_not_created(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    assert body(stack, "aws_vpc", "network/vpc", data=True)["id"] == config.network.vpc_id
    assert body(stack, "aws_security_group", "network/rds", data=True)["id"] == config.rds.security_group_id
    assert "aws_vpc" not in stack["resource"] and "aws_subnet" not in stack["resource"]
