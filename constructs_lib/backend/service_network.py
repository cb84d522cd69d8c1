"""The API's network: the existing VPC and subnets, and the security groups of its flows.

Flows (nothing else is open):
    internet --80/443--> ALB --container port--> service --6379--> Redis
                                                 service --5432--> external RDS
                                                 service --443---> AWS APIs, SMS gateway, SendGrid
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

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

Rule = TypeVar("Rule", VpcSecurityGroupIngressRule, VpcSecurityGroupEgressRule)


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
    rule_type: type[Rule], scope: Construct, id: str, *, group_id: str, other_group_id: str, port: int, description: str
) -> Rule:
    """One TCP rule of `rule_type` on `group_id`: `port`, with members of `other_group_id` only."""
    return rule_type(
        scope,
        id,
        security_group_id=group_id,
        referenced_security_group_id=other_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
    )


def https_out(scope: Construct, id: str, *, security_group_id: str, description: str) -> VpcSecurityGroupEgressRule:
    """HTTPS from `security_group_id` to anywhere: AWS APIs and external services, reached
    through the private subnets' NAT."""
    return VpcSecurityGroupEgressRule(
        scope,
        id,
        security_group_id=security_group_id,
        cidr_ipv4=ANYWHERE_IPV4,
        ip_protocol="tcp",
        from_port=DEFAULT_HTTPS_PORT,
        to_port=DEFAULT_HTTPS_PORT,
        description=description,
    )


class ServiceNetwork(Construct):
    """References the existing VPC and RDS security group; creates the ALB, service and
    Redis security groups and the rules between them, plus the service's rule on the RDS group.

    Expects the VPC, its subnets and the RDS security group to exist (the data sources make a
    plan fail early when one is missing). Exposes `vpc_id`, `public_subnet_ids`,
    `private_subnet_ids`, `rds_security_group_id`, `rds_port` and the groups `alb`,
    `service`, `redis`. Its verbs open one TCP port between two groups:
    `allow_from(id, group_id=, source_group_id=, port=, description=)` (ingress) and
    `allow_to(id, group_id=, destination_group_id=, port=, description=)` (egress);
    `allow_into_rds(id, source, description)` opens PostgreSQL to one more group (the
    pipeline's migration runner).
    """

    def __init__(self, scope: Construct, id: str, *, props: ServiceNetworkProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self.vpc_id = props.vpc_id
        self.public_subnet_ids = list(props.public_subnet_ids)
        self.private_subnet_ids = list(props.private_subnet_ids)
        self.rds_security_group_id = props.rds_security_group_id
        self.rds_port = props.rds_port
        self._define_existing()
        self._define_groups()
        self._define_internet_to_alb()
        self._define_alb_to_service()
        self._define_service_out()
        self._define_service_to_redis()
        self.rds_from_service = self.allow_into_rds(
            "rds-from-service", self.service.id, "PostgreSQL from the API tasks"
        )

    def _define_existing(self) -> None:
        """The VPC and the RDS group, made outside this project."""
        self.vpc = DataAwsVpc(self, "vpc", id=self._props.vpc_id)
        self.rds_group = DataAwsSecurityGroup(self, "rds", id=self._props.rds_security_group_id, vpc_id=self.vpc.id)

    def _define_groups(self) -> None:
        namer = self._props.context.namer
        self.alb = self._group("alb", namer.name("alb"), "API load balancer: HTTP/HTTPS from the internet")
        self.service = self._group("service", namer.name("api"), "API tasks: container port from the load balancer")
        self.redis = self._group("redis", namer.name("redis"), "Redis: 6379 from the API tasks")

    def _define_internet_to_alb(self) -> None:
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

    def _define_alb_to_service(self) -> None:
        port = self._props.container_port
        self.allow_to(
            "alb-to-service",
            group_id=self.alb.id,
            destination_group_id=self.service.id,
            port=port,
            description="Forward to the API tasks",
        )
        self.allow_from(
            "service-from-alb",
            group_id=self.service.id,
            source_group_id=self.alb.id,
            port=port,
            description="API traffic from the load balancer",
        )

    def _define_service_out(self) -> None:
        """Redis, the external RDS, and HTTPS: AWS APIs (ECR, SSM, Secrets Manager, S3,
        logs), the SMS gateway and SendGrid."""
        p = self._props
        self.allow_to(
            "service-to-redis",
            group_id=self.service.id,
            destination_group_id=self.redis.id,
            port=p.redis_port,
            description="Redis",
        )
        self.allow_to(
            "service-to-rds",
            group_id=self.service.id,
            destination_group_id=p.rds_security_group_id,
            port=p.rds_port,
            description="PostgreSQL (external RDS)",
        )
        https_out(
            self,
            "service-to-https",
            security_group_id=self.service.id,
            description="HTTPS to AWS APIs and external services",
        )

    def _define_service_to_redis(self) -> None:
        self.allow_from(
            "redis-from-service",
            group_id=self.redis.id,
            source_group_id=self.service.id,
            port=self._props.redis_port,
            description="Redis from the API tasks",
        )

    def allow_from(
        self, id: str, *, group_id: str, source_group_id: str, port: int, description: str
    ) -> VpcSecurityGroupIngressRule:
        """One TCP ingress rule in the network: `port` on `group_id`, from members of
        `source_group_id` only."""
        return _group_rule(
            VpcSecurityGroupIngressRule,
            self,
            id,
            group_id=group_id,
            other_group_id=source_group_id,
            port=port,
            description=description,
        )

    def allow_to(
        self,
        id: str,
        *,
        group_id: str,
        destination_group_id: str,
        port: int,
        description: str,
        scope: Construct | None = None,
    ) -> VpcSecurityGroupEgressRule:
        """One TCP egress rule: `port` from `group_id` to members of `destination_group_id`
        only. The rule is created in `scope` (default: the network): a group made by another
        construct keeps its rules, and their Terraform addresses, with it."""
        return _group_rule(
            VpcSecurityGroupEgressRule,
            scope or self,
            id,
            group_id=group_id,
            other_group_id=destination_group_id,
            port=port,
            description=description,
        )

    def allow_into_rds(self, id: str, source_security_group_id: str, description: str) -> VpcSecurityGroupIngressRule:
        """PostgreSQL on the external RDS group from one more security group."""
        return self.allow_from(
            id,
            group_id=self.rds_security_group_id,
            source_group_id=source_security_group_id,
            port=self.rds_port,
            description=description,
        )

    def _group(self, id: str, name: str, description: str) -> SecurityGroup:
        # No inline rules: every flow is a separate rule above, and Terraform removes the
        # default allow-all egress of a new group, so only the listed flows exist.
        return SecurityGroup(self, id, name=name, description=description, vpc_id=self.vpc_id, tags={"Name": name})
