"""EC2: security group rules read back as they were written."""

from __future__ import annotations

from tools.emulator.patches import patch


@patch("ec2", "DescribeSecurityGroupRules")
def rule_description_for_group_references() -> None:
    """DescribeSecurityGroupRules returns the `Description` of a rule that references
    another security group (written in `UserIdGroupPairs[].Description`), as AWS does.

    Every flow between our groups (ALB -> service, service -> Redis/RDS, migrations ->
    RDS) is an `aws_vpc_security_group_*_rule` with `referenced_security_group_id` and a
    description; moto only read descriptions of CIDR rules, so each of them showed a diff
    on every plan.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    def description(self: SecurityGroupRule) -> str | None:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    setattr(SecurityGroupRule, "description", property(description))
