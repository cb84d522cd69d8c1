"""The ALB: public subnets, HTTPS with a modern policy, HTTP redirect, IP target group."""

import pytest

from config import load_environment
from constructs_lib.backend.load_balancer import DEFAULT_SSL_POLICY
from tests.synth import body, only, ref
from tests.unit.constructs_lib.backend.synth_helpers import ENVIRONMENTS


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_alb_is_public_drops_invalid_headers(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    alb = only(stack, "aws_lb")
    assert alb["internal"] is False
    assert alb["load_balancer_type"] == "application"
    assert alb["subnets"] == list(config.network.public_subnet_ids)
    assert alb["security_groups"] == [ref(stack, "aws_security_group", "network/alb", "id")]
    assert alb["drop_invalid_header_fields"] is True
    assert len(alb["name"]) <= 32


@pytest.mark.parametrize(
    ("env", "deletion_protection", "prevent_destroy"),
    [
        ("prod", True, True),
        ("staging", True, True),
        ("dev", False, True),
        ("local", False, False),
    ],
)
def test_deletion_protection_outside_local_and_dev(synthesized, env, deletion_protection, prevent_destroy):
    alb = only(synthesized[f"backend-{env}"], "aws_lb")
    assert alb["enable_deletion_protection"] is deletion_protection
    assert alb["lifecycle"]["prevent_destroy"] is prevent_destroy


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_https_listener_uses_the_certificate_and_tls13_policy(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    https = body(stack, "aws_lb_listener", "load-balancer/https")
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["ssl_policy"] == DEFAULT_SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificate_arn"] == config.certificate.arn
    assert https["default_action"] == [
        {"type": "forward", "target_group_arn": ref(stack, "aws_lb_target_group", "load-balancer/target-group", "arn")}
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_http_listener_only_redirects_to_https(synthesized, env):
    http = body(synthesized[f"backend-{env}"], "aws_lb_listener", "load-balancer/http")
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["default_action"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_target_group_is_ip_with_health_check(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    group = only(stack, "aws_lb_target_group")
    assert group["target_type"] == "ip"
    assert (group["port"], group["protocol"]) == (config.fargate.container_port, "HTTP")
    assert group["vpc_id"] == config.network.vpc_id
    assert group["health_check"]["path"] == config.fargate.health_check_path
    assert group["health_check"]["matcher"] == "200"
    assert group["health_check"]["enabled"] is True
    assert len(group["name"]) <= 32
