"""The API's public entry: an application load balancer with HTTPS, an HTTP redirect and access logs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from constructs import Construct

from constructs_lib.shared.iam import statement
from constructs_lib.shared.lifecycle import lifecycle
from constructs_lib.shared.private_bucket import PrivateBucket, PrivateBucketProps
from workspace.context import AwsContext
from workspace.naming import MAX_ALB_NAME, MAX_TARGET_GROUP_NAME

# TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only.
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
DEFAULT_HEALTH_CHECK_MATCHER = "200"
DEFAULT_HEALTH_CHECK_INTERVAL = 30
DEFAULT_HEALTHY_THRESHOLD = 2
DEFAULT_UNHEALTHY_THRESHOLD = 3
# Long enough for in-flight API calls to finish, short enough for quick deployments.
DEFAULT_DEREGISTRATION_DELAY = 30
# The ALB writes to <bucket>/<prefix>/AWSLogs/<account>/elasticloadbalancing/...
DEFAULT_ACCESS_LOGS_PREFIX = "api"


@dataclass(frozen=True)
class LoadBalancerProps:
    context: AwsContext
    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    security_group_id: str
    certificate_arn: str
    target_port: int
    health_check_path: str
    deletion_protection: bool
    idle_timeout_seconds: int
    access_logs_bucket_name: str
    access_logs_retention_days: int
    # Only a disposable environment empties the access-log bucket on destroy.
    access_logs_force_destroy: bool = False
    access_logs_prefix: str = DEFAULT_ACCESS_LOGS_PREFIX
    ssl_policy: str = DEFAULT_SSL_POLICY


class LoadBalancer(Construct):
    """Creates an internet-facing ALB in the public subnets (invalid headers dropped,
    deletion protection from config, protected from destroy, access logs on), an IP
    target group with a health check, an HTTPS listener with the ACM certificate and a
    modern TLS policy, an HTTP listener that redirects to HTTPS, and the access-log bucket
    (`access_logs`): a `PrivateBucket` with SSE-S3, the only encryption ELB log delivery
    supports, whose policy lets the region's ELB account write under
    `<prefix>/AWSLogs/<account>/` only. The ELB account comes from the provider's static
    table (`aws_elb_service_account`, no API call).

    Expects the ALB security group and an issued certificate. Exposes `alb`,
    `target_group`, `https_listener`, `http_listener`, `dns_name`, `access_logs`.
    """

    def __init__(self, scope: Construct, id: str, *, props: LoadBalancerProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self._define_access_logs()
        self._define_alb()
        self._define_target_group()
        self._define_listeners()
        self.dns_name = self.alb.dns_name

    def _define_access_logs(self) -> None:
        """The access-log bucket, which only the region's ELB account may write to, under
        `<prefix>/AWSLogs/<account>/`."""
        p = self._props
        self.access_logs = PrivateBucket(
            self,
            "access-logs",
            props=PrivateBucketProps(
                context=p.context,
                bucket_name=p.access_logs_bucket_name,
                retention_days=p.access_logs_retention_days,
                expiry_rule_id="expire-old-access-logs",
                force_destroy=p.access_logs_force_destroy,
            ),
        )
        self.elb_account = DataAwsElbServiceAccount(self, "elb-account")
        self.access_logs.add_policy_statements(
            statement(
                "ElbWritesAccessLogs",
                ["s3:PutObject"],
                [f"{self.access_logs.arn}/{p.access_logs_prefix}/AWSLogs/{p.context.account_id}/*"],
                principals=[("AWS", [self.elb_account.arn])],
            )
        )

    def _define_alb(self) -> None:
        p = self._props
        self.alb = Lb(
            self,
            "alb",
            name=p.context.namer.name("api", max_len=MAX_ALB_NAME),
            internal=False,
            load_balancer_type="application",
            security_groups=[p.security_group_id],
            subnets=list(p.public_subnet_ids),
            drop_invalid_header_fields=True,
            enable_deletion_protection=p.deletion_protection,
            idle_timeout=p.idle_timeout_seconds,
            access_logs=LbAccessLogs(bucket=self.access_logs.bucket.id, prefix=p.access_logs_prefix, enabled=True),
            lifecycle=lifecycle(p.context.prevent_destroy),
            # ELB checks that it may write to the bucket when access logs are switched on.
            depends_on=[self.access_logs.policy],
        )

    def _define_target_group(self) -> None:
        p = self._props
        self.target_group = LbTargetGroup(
            self,
            "target-group",
            name=p.context.namer.name("api", max_len=MAX_TARGET_GROUP_NAME),
            port=p.target_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=p.vpc_id,
            deregistration_delay=str(DEFAULT_DEREGISTRATION_DELAY),
            health_check=LbTargetGroupHealthCheck(
                enabled=True,
                path=p.health_check_path,
                port="traffic-port",
                protocol="HTTP",
                matcher=DEFAULT_HEALTH_CHECK_MATCHER,
                interval=DEFAULT_HEALTH_CHECK_INTERVAL,
                healthy_threshold=DEFAULT_HEALTHY_THRESHOLD,
                unhealthy_threshold=DEFAULT_UNHEALTHY_THRESHOLD,
            ),
        )

    def _define_listeners(self) -> None:
        """HTTPS forwards to the target group; HTTP only redirects to HTTPS."""
        self.https_listener = LbListener(
            self,
            "https",
            load_balancer_arn=self.alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=self._props.ssl_policy,
            certificate_arn=self._props.certificate_arn,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=self.target_group.arn)],
        )
        self.http_listener = LbListener(
            self,
            "http",
            load_balancer_arn=self.alb.arn,
            port=80,
            protocol="HTTP",
            default_action=[
                LbListenerDefaultAction(
                    type="redirect",
                    redirect=LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301"),
                )
            ],
        )
