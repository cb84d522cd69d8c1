"""The API's network: the existing VPC and subnets, and the security groups of its flows.

Flows (nothing else is open):
    internet --80/443--> ALB --container port--> service --6379--> Redis
                                                 service --5432--> external RDS
                                                 service --443---> AWS APIs, SMS gateway, SendGrid
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_security_group import DataAwsSecurityGroup
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from workspace.context import AwsContext

DEFAULT_REDIS_PORT = 6379
DEFAULT_HTTPS_PORT = 443
DEFAULT_HTTP_PORT = 80
ANYWHERE_IPV4 = "0.0.0.0/0"


@dataclass(frozen=True)
class ServiceNetworkProps:
    context: AwsContext
    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    rds_security_group_id: str
    container_port: int
    rds_port: int
    redis_port: int = DEFAULT_REDIS_PORT


def _group_rule(
    rule_type: type[VpcSecurityGroupIngressRule] | type[VpcSecurityGroupEgressRule],
    scope: Construct,
    id: str,
    *,
    security_group_id: str,
    other_group_id: str,
    port: int,
    description: str,
) -> VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule:
    """One TCP rule of `rule_type` on `security_group_id`: `port`, with members of `other_group_id` only."""
    return rule_type(
        scope,
        id,
        security_group_id=security_group_id,
        referenced_security_group_id=other_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
    )


def allow_from(
    scope: Construct, id: str, *, security_group_id: str, source_security_group_id: str, port: int, description: str
) -> VpcSecurityGroupIngressRule:
    """One TCP ingress rule: `port` on `security_group_id`, from members of the source group only."""
    rule = _group_rule(
        VpcSecurityGroupIngressRule,
        scope,
        id,
        security_group_id=security_group_id,
        other_group_id=source_security_group_id,
        port=port,
        description=description,
    )
    assert isinstance(rule, VpcSecurityGroupIngressRule)
    return rule


def allow_to(
    scope: Construct,
    id: str,
    *,
    security_group_id: str,
    destination_security_group_id: str,
    port: int,
    description: str,
) -> VpcSecurityGroupEgressRule:
    """One TCP egress rule: `port` from `security_group_id` to members of the destination group only."""
    rule = _group_rule(
        VpcSecurityGroupEgressRule,
        scope,
        id,
        security_group_id=security_group_id,
        other_group_id=destination_security_group_id,
        port=port,
        description=description,
    )
    assert isinstance(rule, VpcSecurityGroupEgressRule)
    return rule


class ServiceNetwork(Construct):
    """References the existing VPC and RDS security group; creates the ALB, service and
    Redis security groups and the rules between them, plus the service's rule on the RDS group.

    Expects the VPC, its subnets and the RDS security group to exist (the data sources make a
    plan fail early when one is missing). Exposes `vpc_id`, `public_subnet_ids`,
    `private_subnet_ids`, `rds_security_group_id` and the groups `alb`, `service`, `redis`;
    `allow_into_rds(id, source, description)` opens PostgreSQL to one more group (the
    pipeline's migration runner).
    """

    def __init__(self, scope: Construct, id: str, *, props: ServiceNetworkProps) -> None:
        super().__init__(scope, id)
        self._props = props
        namer = props.context.namer
        self.vpc = DataAwsVpc(self, "vpc", id=props.vpc_id)
        self.rds_group = DataAwsSecurityGroup(self, "rds", id=props.rds_security_group_id, vpc_id=self.vpc.id)
        self.vpc_id = props.vpc_id
        self.public_subnet_ids = list(props.public_subnet_ids)
        self.private_subnet_ids = list(props.private_subnet_ids)
        self.rds_security_group_id = props.rds_security_group_id

        self.alb = self._group("alb", namer.name("alb"), "API load balancer: HTTP/HTTPS from the internet")
        self.service = self._group("service", namer.name("api"), "API tasks: container port from the load balancer")
        self.redis = self._group("redis", namer.name("redis"), "Redis: 6379 from the API tasks")

        for port in (DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT):
            VpcSecurityGroupIngressRule(
                self,
                f"alb-ingress-{port}",
                security_group_id=self.alb.id,
                cidr_ipv4=ANYWHERE_IPV4,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Port {port} from the internet",
            )
        allow_to(
            self,
            "alb-to-service",
            security_group_id=self.alb.id,
            destination_security_group_id=self.service.id,
            port=props.container_port,
            description="Forward to the API tasks",
        )
        allow_from(
            self,
            "service-from-alb",
            security_group_id=self.service.id,
            source_security_group_id=self.alb.id,
            port=props.container_port,
            description="API traffic from the load balancer",
        )
        allow_to(
            self,
            "service-to-redis",
            security_group_id=self.service.id,
            destination_security_group_id=self.redis.id,
            port=props.redis_port,
            description="Redis",
        )
        allow_to(
            self,
            "service-to-rds",
            security_group_id=self.service.id,
            destination_security_group_id=props.rds_security_group_id,
            port=props.rds_port,
            description="PostgreSQL (external RDS)",
        )
        # AWS APIs (ECR, SSM, Secrets Manager, S3, logs), the SMS gateway and SendGrid are
        # reached over HTTPS; the private subnets route through NAT.
        VpcSecurityGroupEgressRule(
            self,
            "service-to-https",
            security_group_id=self.service.id,
            cidr_ipv4=ANYWHERE_IPV4,
            ip_protocol="tcp",
            from_port=DEFAULT_HTTPS_PORT,
            to_port=DEFAULT_HTTPS_PORT,
            description="HTTPS to AWS APIs and external services",
        )
        allow_from(
            self,
            "redis-from-service",
            security_group_id=self.redis.id,
            source_security_group_id=self.service.id,
            port=props.redis_port,
            description="Redis from the API tasks",
        )
        self.rds_from_service = self.allow_into_rds(
            "rds-from-service", self.service.id, "PostgreSQL from the API tasks"
        )

    def allow_into_rds(self, id: str, source_security_group_id: str, description: str) -> VpcSecurityGroupIngressRule:
        """PostgreSQL on the external RDS group from one more security group."""
        return allow_from(
            self,
            id,
            security_group_id=self.rds_security_group_id,
            source_security_group_id=source_security_group_id,
            port=self._props.rds_port,
            description=description,
        )

    def _group(self, id: str, name: str, description: str) -> SecurityGroup:
        # No inline rules: every flow is a separate rule above, and Terraform removes the
        # default allow-all egress of a new group, so only the listed flows exist.
        return SecurityGroup(self, id, name=name, description=description, vpc_id=self.vpc_id, tags={"Name": name})
