"""The ALB: public subnets, HTTPS with a modern policy, HTTP redirect, IP target group, access logs."""

import pytest

from config import load_environment
from constructs_lib.backend.load_balancer import DEFAULT_SSL_POLICY
from tests.synth import body, entry, only, ref, statements
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


LOGS = "load-balancer/access-logs"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_alb_writes_access_logs_to_its_own_bucket_once_the_policy_admits_it(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    alb = only(stack, "aws_lb")
    assert alb["access_logs"] == {
        "bucket": ref(stack, "aws_s3_bucket", f"{LOGS}/bucket", "id"),
        "prefix": "api",
        "enabled": True,
    }
    # ELB checks its write permission when access logs are switched on.
    (policy_key, _) = entry(stack, "aws_s3_bucket_policy", f"{LOGS}/policy")
    assert alb["depends_on"] == [f"aws_s3_bucket_policy.{policy_key}"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_log_bucket_admits_only_the_regional_elb_account_under_this_accounts_prefix(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    assert body(stack, "aws_s3_bucket_policy", f"{LOGS}/policy")["policy"] == ref(
        stack, "aws_iam_policy_document", f"{LOGS}/policy-document", "json", data=True
    )
    found = statements(stack, f"{LOGS}/policy-document")
    assert set(found) == {"DenyInsecureTransport", "ElbWritesAccessLogs"}
    arn = ref(stack, "aws_s3_bucket", f"{LOGS}/bucket", "arn")
    elb = found["ElbWritesAccessLogs"]
    assert elb["effect"] == "Allow"
    assert elb["actions"] == ["s3:PutObject"]
    assert elb["resources"] == [f"{arn}/api/AWSLogs/{config.account_id}/*"]
    # The provider's static table of ELB accounts (no API call), for the provider's region.
    account = ref(stack, "aws_elb_service_account", "load-balancer/elb-account", "arn", data=True)
    assert elb["principals"] == [{"type": "AWS", "identifiers": [account]}]
    # No `region` argument: the provider's region, the ALB's.
    assert set(body(stack, "aws_elb_service_account", "load-balancer/elb-account", data=True)) == {"//"}
    deny = found["DenyInsecureTransport"]
    assert (deny["effect"], deny["resources"]) == ("Deny", [arn, f"{arn}/*"])
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_log_bucket_is_private_versioned_and_sse_s3_encrypted(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    bucket_id = ref(stack, "aws_s3_bucket", f"{LOGS}/bucket", "id")
    block = body(stack, "aws_s3_bucket_public_access_block", f"{LOGS}/public-access")
    assert {k: v for k, v in block.items() if k != "//"} == {
        "bucket": bucket_id,
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    versioning = body(stack, "aws_s3_bucket_versioning", f"{LOGS}/versioning")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    encryption = body(stack, "aws_s3_bucket_server_side_encryption_configuration", f"{LOGS}/encryption")
    assert encryption["bucket"] == bucket_id
    # ELB access-log delivery supports SSE-S3 only: a KMS key would make every delivery fail.
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_logs_are_kept_as_long_as_the_environments_logs(synthesized, env):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    (rule,) = body(stack, "aws_s3_bucket_lifecycle_configuration", f"{LOGS}/expiry")["rule"]
    assert rule["id"] == "expire-old-access-logs"
    assert rule["status"] == "Enabled"
    assert rule["expiration"] == [{"days": config.logs.retention_days}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 7}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 1}]


@pytest.mark.parametrize(("env", "protected"), [("prod", True), ("dev", True), ("local", False)])
def test_access_log_bucket_name_and_protection_follow_the_environment(synthesized, env, protected):
    stack, config = synthesized[f"backend-{env}"], load_environment(env)
    bucket = body(stack, "aws_s3_bucket", f"{LOGS}/bucket")
    assert bucket["bucket"] == f"dailydesk-{env}-api-access-logs-{config.account_id}"
    assert bucket["lifecycle"]["prevent_destroy"] is protected
    # `make destroy-local` must be able to remove a bucket the ALB has written to.
    assert bucket["force_destroy"] is (not protected)
