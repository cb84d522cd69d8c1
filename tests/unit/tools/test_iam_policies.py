"""The CI roles' policies, rendered for each environment and evaluated offline
(`tests.iam_evaluator`): the plan role reads every resource we manage and never a secret
value; the deploy role writes our resources, reads only the two API keys and our
connections' secrets, and passes only our roles to their services; the keys role syncs the
two connections' keys from their secrets and can do nothing else."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from config import load_environment
from config.schema import ENVIRONMENT_NAMES, CloudState, S3State
from tests.iam_evaluator import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, decide
from tools import api_keys, iam_policies
from tools.aws import Clients
from tools.deploy import exit_codes
from workspace import catalogue
from workspace.layers import NAMES as LAYERS

S3_ENVIRONMENTS = [name for name in ENVIRONMENT_NAMES if isinstance(load_environment(name).state, S3State)]
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


class Env:
    """One environment's names and ARNs, and its two roles' rendered policies."""

    def __init__(self, name: str) -> None:
        self.config = config = load_environment(name)
        self.namer = config.namer
        self.region, self.account = config.region, config.account_id
        self.prefix = f"{config.project}-{config.name}"
        self.roles = {role: list(iam_policies.render(config, role).values()) for role in iam_policies.ROLES}

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"

    def parameter(self, name: str) -> str:
        return catalogue.parameter_arn(self.config, self.namer, name)

    def secret(self, name: str) -> str:
        return self.arn("secretsmanager", f"secret:{name}-Ab12Cd")

    def connection_secret(self, secret: str) -> str:
        return self.arn("secretsmanager", f"secret:events!connection/{self.prefix}-{secret}/0f9e8d7c-uuid")

    def key(self) -> str:
        return self.arn("kms", f"key/{KEY_ID}")

    def kms(self, service: str, *aliases: str) -> dict:
        return {"kms:ViaService": f"{service}.{self.region}.amazonaws.com", "kms:ResourceAliases": list(aliases)}

    @property
    def parameters_alias(self) -> str:
        return f"alias/{catalogue.parameters_key_alias(self.namer)}"

    def decide(self, role: str, action: str, resource: str, context: dict | None = None) -> str:
        full = {"aws:RequestedRegion": self.region, **(context or {})}
        return decide(self.roles[role], Request(action, resource, full))


@pytest.fixture(scope="module", params=ENVIRONMENT_NAMES)
def env(request) -> Env:
    return Env(request.param)


# ------------------------------------------------------------------------- the plan role


def test_plan_role_can_read_no_secret_value(env):
    for secret in catalogue.SECRETS:
        assert env.decide("plan", "secretsmanager:GetSecretValue", env.secret(secret.name)) == EXPLICIT_DENY
        assert env.decide("plan", "secretsmanager:GetSecretValue", env.connection_secret(secret.name)) == EXPLICIT_DENY
    assert env.decide("plan", "secretsmanager:GetSecretValue", env.secret("anything-else")) == EXPLICIT_DENY
    # Control: the metadata lookup the backend's data source makes is allowed.
    for secret in catalogue.SECRETS:
        for action in ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"):
            assert env.decide("plan", action, env.secret(secret.name)) == ALLOW, action


def test_plan_role_can_read_no_manual_parameter(env):
    manual = catalogue.manual_parameters()
    assert len(manual) == 9
    for parameter in manual:
        for action in ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory"):
            assert env.decide("plan", action, env.parameter(parameter.name)) == EXPLICIT_DENY, (action, parameter)
    # A path read would return them too: refused on the environment's path and above.
    for path in (env.config.parameter_prefix, f"/{env.config.project}", ""):
        resource = env.arn("ssm", f"parameter{path}")
        assert env.decide("plan", "ssm:GetParametersByPath", resource) == EXPLICIT_DENY
    # Controls: the parent's own parameters (String and SecureString) are readable.
    for name in ("admin/email", "backend-url", "gsm/username", "rds/username"):
        assert env.decide("plan", "ssm:GetParameter", env.parameter(name)) == ALLOW, name


def test_plan_role_decrypts_only_the_parameters_key_through_ssm(env):
    alias = env.parameters_alias
    assert env.decide("plan", "kms:Decrypt", env.key(), env.kms("ssm", alias)) == ALLOW
    # Another key through SSM (a manual parameter under the AWS-managed key, another
    # environment's key, a key without an alias), or this key through another service.
    for context in (
        env.kms("ssm", "alias/aws/ssm"),
        env.kms("ssm", alias.replace(env.config.name, "other")),
        env.kms("ssm"),
        env.kms("secretsmanager", alias),
        env.kms("s3", alias),
        {"kms:ResourceAliases": [alias]},
    ):
        assert env.decide("plan", "kms:Decrypt", env.key(), context) == IMPLICIT_DENY, context
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"):
        assert env.decide("plan", action, env.key(), env.kms("ssm", alias)) == IMPLICIT_DENY, action


def test_plan_role_writes_nothing(env):
    for action, resource in (
        ("ssm:PutParameter", env.parameter("admin/email")),
        ("ecs:UpdateService", env.arn("ecs", f"service/{env.prefix}-cluster/{env.prefix}-api")),
        ("events:UpdateConnection", env.arn("events", f"connection/{env.prefix}-technician-scheduler/id")),
        ("iam:PassRole", env.arn("iam", f"role/{env.prefix}-api-task", region=False)),
        ("s3:PutObject", f"arn:aws:s3:::{env.prefix}-ecs-pipeline-artifacts-{env.account}/x"),
        ("kms:CreateKey", "*"),
    ):
        assert env.decide("plan", action, resource) == IMPLICIT_DENY, action


@pytest.mark.parametrize("name", S3_ENVIRONMENTS)
def test_plan_role_reads_the_state_and_never_writes_it(name):
    env = Env(name)
    state = env.config.state
    assert isinstance(state, S3State)
    bucket = f"arn:aws:s3:::{state.bucket}"
    for layer in LAYERS:
        key = f"{bucket}/{state.key_prefix}/{name}/{layer}.tfstate"
        assert env.decide("plan", "s3:GetObject", key) == ALLOW
        # Plans run with -lock=false: no lock file is ever written or removed.
        assert env.decide("plan", "s3:PutObject", f"{key}.tflock") == EXPLICIT_DENY
        assert env.decide("plan", "s3:DeleteObject", f"{key}.tflock") == EXPLICIT_DENY
        assert env.decide("plan", "s3:PutObject", key) == EXPLICIT_DENY
    assert env.decide("plan", "s3:ListBucket", bucket) == ALLOW
    assert env.decide("plan", "s3:GetObject", f"{bucket}/{state.key_prefix}/other/backend.tfstate") == IMPLICIT_DENY
    state_key = env.kms("s3", state.kms_key_id)
    state_key["kms:ViaService"] = f"s3.{state.region}.amazonaws.com"
    state_key_arn = f"arn:aws:kms:{state.region}:{env.account}:key/{KEY_ID}"
    assert env.decide("plan", "kms:Decrypt", state_key_arn, state_key) == ALLOW
    assert env.decide("plan", "kms:Decrypt", state_key_arn, env.kms("ssm", state.kms_key_id)) == IMPLICIT_DENY


# ----------------------------------------------------------------------- the deploy role


def test_deploy_role_reads_only_the_api_keys_and_our_connections_secrets(env):
    for secret in catalogue.SECRETS:
        assert env.decide("deploy", "secretsmanager:GetSecretValue", env.secret(secret.name)) == ALLOW
        assert env.decide("deploy", "secretsmanager:GetSecretValue", env.connection_secret(secret.name)) == ALLOW
    for other in (
        env.secret("prod/database"),
        env.arn("secretsmanager", "secret:events!connection/someone-elses/uuid"),
        env.arn("secretsmanager", "secret:technician-scheduler-extra-Ab12Cd"),
    ):
        assert env.decide("deploy", "secretsmanager:GetSecretValue", other) == EXPLICIT_DENY, other
    for parameter in catalogue.manual_parameters():
        for action in ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"):
            assert env.decide("deploy", action, env.parameter(parameter.name)) == EXPLICIT_DENY, action
    assert env.decide("deploy", "ssm:PutParameter", env.parameter("admin/email")) == ALLOW


def test_deploy_role_puts_keys_only_into_our_connections(env):
    for secret in catalogue.SECRETS:
        ours = env.arn("events", f"connection/{env.prefix}-{secret.name}/0f9e8d7c")
        assert env.decide("deploy", "events:UpdateConnection", ours) == ALLOW
    assert env.decide("deploy", "events:UpdateConnection", env.arn("events", "connection/other/1")) == IMPLICIT_DENY


def test_deploy_role_passes_our_roles_to_their_services_only(env):
    role = env.arn("iam", f"role/{env.prefix}-api-task", region=False)
    for service in ("ecs-tasks", "events", "codebuild", "codepipeline"):
        context = {"iam:PassedToService": f"{service}.amazonaws.com"}
        assert env.decide("deploy", "iam:PassRole", role, context) == ALLOW, service
    assert env.decide("deploy", "iam:PassRole", role, {"iam:PassedToService": "ec2.amazonaws.com"}) == IMPLICIT_DENY
    admin = env.arn("iam", "role/administrator", region=False)
    assert env.decide("deploy", "iam:PassRole", admin, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}) == (
        IMPLICIT_DENY
    )


def test_deploy_role_never_touches_the_hosting_buckets(env):
    ours = f"arn:aws:s3:::{env.prefix}-ecs-pipeline-artifacts-{env.account}"
    for action in ("s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy"):
        assert env.decide("deploy", action, ours) == ALLOW
        for bucket in env.config.hosting.buckets().values():
            assert env.decide("deploy", action, f"arn:aws:s3:::{bucket}") == EXPLICIT_DENY


@pytest.mark.parametrize("name", S3_ENVIRONMENTS)
def test_deploy_role_writes_state_and_its_lock_file(name):
    env = Env(name)
    state = env.config.state
    assert isinstance(state, S3State)
    key = f"arn:aws:s3:::{state.bucket}/{state.key_prefix}/{name}/backend.tfstate"
    assert env.decide("deploy", "s3:PutObject", key) == ALLOW
    assert env.decide("deploy", "s3:PutObject", f"{key}.tflock") == ALLOW
    assert env.decide("deploy", "s3:DeleteObject", f"{key}.tflock") == ALLOW
    assert env.decide("deploy", "s3:DeleteObject", key) == IMPLICIT_DENY


# ------------------------------------------------------------ every type we manage or read


def reads(env: Env) -> dict[str, list[tuple[str, str]]]:
    """Resource or data type -> what refreshing it calls, on a resource of ours."""
    p, a = env.prefix, env.arn
    log_group = a("logs", f"log-group:{catalogue.log_group_name(env.namer)}")
    repository = a("ecr", f"repository/{catalogue.ecr_repository_name(env.namer)}")
    bucket = f"arn:aws:s3:::{p}-ecs-pipeline-artifacts-{env.account}"
    access_logs = f"arn:aws:s3:::{p}-api-access-logs-{env.account}"
    bucket_reads = [
        (action, name)
        for name in (bucket, access_logs)
        for action in ("s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketTagging")
    ]
    every = "*"
    target = a("application-autoscaling", "scalable-target/0ec5a0b1c2d3e4f5a6b7c8d9")
    return {
        "aws_appautoscaling_policy": [("application-autoscaling:DescribeScalingPolicies", every)],
        "aws_appautoscaling_target": [
            ("application-autoscaling:DescribeScalableTargets", every),
            ("application-autoscaling:ListTagsForResource", target),
        ],
        "aws_cloudwatch_event_api_destination": [
            ("events:DescribeApiDestination", a("events", f"api-destination/{p}-reset-queue"))
        ],
        "aws_cloudwatch_event_connection": [
            ("events:DescribeConnection", a("events", f"connection/{p}-technician-scheduler"))
        ],
        "aws_cloudwatch_event_rule": [
            ("events:DescribeRule", a("events", f"rule/{p}-reset-queue")),
            ("events:ListTagsForResource", a("events", f"rule/{p}-reset-queue")),
        ],
        "aws_cloudwatch_event_target": [("events:ListTargetsByRule", a("events", f"rule/{p}-ecs-pipeline-notify"))],
        "aws_cloudwatch_log_group": [
            ("logs:DescribeLogGroups", every),
            ("logs:ListTagsForResource", log_group),
            ("logs:ListTagsForResource", a("logs", f"log-group:/aws/codebuild/{p}-ecs-pipeline-build")),
        ],
        "aws_cloudwatch_log_stream": [("logs:DescribeLogStreams", f"{log_group}:log-stream:*")],
        "aws_cloudwatch_metric_alarm": [
            ("cloudwatch:DescribeAlarms", a("cloudwatch", f"alarm:{p}-http-5xx-rate")),
            ("cloudwatch:ListTagsForResource", a("cloudwatch", f"alarm:{p}-redis-memory-001")),
        ],
        "aws_codebuild_project": [("codebuild:BatchGetProjects", a("codebuild", f"project/{p}-ecs-pipeline-build"))],
        "aws_codepipeline": [
            ("codepipeline:GetPipeline", a("codepipeline", f"{p}-ecs-pipeline")),
            ("codepipeline:ListTagsForResource", a("codepipeline", f"{p}-frontend-ci-pipeline")),
        ],
        "aws_ecr_lifecycle_policy": [("ecr:GetLifecyclePolicy", repository)],
        "aws_ecr_repository": [("ecr:DescribeRepositories", repository), ("ecr:ListTagsForResource", repository)],
        "aws_ecs_cluster": [("ecs:DescribeClusters", a("ecs", f"cluster/{p}-cluster"))],
        "aws_ecs_service": [("ecs:DescribeServices", a("ecs", f"service/{p}-cluster/{p}-api"))],
        "aws_ecs_task_definition": [("ecs:DescribeTaskDefinition", every)],
        "aws_elasticache_replication_group": [
            ("elasticache:DescribeReplicationGroups", a("elasticache", f"replicationgroup:{p}-redis")),
            ("elasticache:DescribeCacheClusters", a("elasticache", f"cluster:{p}-redis-001")),
            ("elasticache:ListTagsForResource", every),
        ],
        "aws_elasticache_subnet_group": [
            ("elasticache:DescribeCacheSubnetGroups", a("elasticache", f"subnetgroup:{p}-redis"))
        ],
        "aws_iam_role": [
            ("iam:GetRole", a("iam", f"role/{p}-api-task", region=False)),
            ("iam:ListRolePolicies", a("iam", f"role/{p}-api-task", region=False)),
            ("iam:ListAttachedRolePolicies", a("iam", f"role/{p}-api-task", region=False)),
        ],
        "aws_iam_role_policy": [("iam:GetRolePolicy", a("iam", f"role/{p}-ecs-pipeline", region=False))],
        "aws_kms_alias": [("kms:ListAliases", every)],
        "aws_kms_key": [
            (action, env.key())
            for action in ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags")
        ],
        "aws_lb": [
            ("elasticloadbalancing:DescribeLoadBalancers", every),
            ("elasticloadbalancing:DescribeLoadBalancerAttributes", every),
            ("elasticloadbalancing:DescribeTags", every),
        ],
        "aws_lb_listener": [("elasticloadbalancing:DescribeListeners", every)],
        "aws_lb_target_group": [
            ("elasticloadbalancing:DescribeTargetGroups", every),
            ("elasticloadbalancing:DescribeTargetGroupAttributes", every),
        ],
        "aws_s3_bucket": bucket_reads,
        "aws_s3_bucket_lifecycle_configuration": [("s3:GetLifecycleConfiguration", bucket)],
        "aws_s3_bucket_policy": [("s3:GetBucketPolicy", bucket)],
        "aws_s3_bucket_public_access_block": [("s3:GetBucketPublicAccessBlock", bucket)],
        "aws_s3_bucket_server_side_encryption_configuration": [("s3:GetEncryptionConfiguration", bucket)],
        "aws_s3_bucket_versioning": [("s3:GetBucketVersioning", bucket)],
        "aws_security_group": [("ec2:DescribeSecurityGroups", every)],
        "aws_sns_topic": [
            ("sns:GetTopicAttributes", a("sns", catalogue.deployment_topic_name(env.namer))),
            ("sns:ListTagsForResource", a("sns", catalogue.deployment_topic_name(env.namer))),
        ],
        "aws_sns_topic_policy": [("sns:GetTopicAttributes", a("sns", catalogue.deployment_topic_name(env.namer)))],
        "aws_sqs_queue": [
            ("sqs:GetQueueAttributes", a("sqs", f"{p}-reset-queue-dlq")),
            ("sqs:ListQueueTags", a("sqs", f"{p}-reset-queue-dlq")),
        ],
        "aws_sqs_queue_policy": [("sqs:GetQueueAttributes", a("sqs", f"{p}-send-review-sms-dlq"))],
        "aws_ssm_parameter": [
            ("ssm:DescribeParameters", every),
            ("ssm:GetParameter", env.parameter("jwt-expire")),
            ("ssm:ListTagsForResource", env.parameter("jwt-expire")),
        ],
        "aws_vpc_security_group_egress_rule": [("ec2:DescribeSecurityGroupRules", every)],
        "aws_vpc_security_group_ingress_rule": [("ec2:DescribeSecurityGroupRules", every)],
        # data sources
        "data.aws_elb_service_account": [],  # the provider's static table of ELB accounts, no call
        "data.aws_cloudfront_distribution": [
            ("cloudfront:GetDistribution", a("cloudfront", f"distribution/{d}", region=False))
            for d in env.config.hosting.distributions().values()
        ],
        # The API's deployed image: the cluster list (no resource-level permission), then
        # the family's latest revision (DescribeTaskDefinition has none either).
        "data.aws_ecs_clusters": [("ecs:ListClusters", every)],
        "data.aws_ecs_container_definition": [("ecs:DescribeTaskDefinition", every)],
        "data.aws_iam_policy_document": [],  # rendered by the provider, no call
        "data.aws_s3_bucket": [("s3:ListBucket", f"arn:aws:s3:::{b}") for b in env.config.hosting.buckets().values()],
        "data.aws_secretsmanager_secret": [
            (action, env.secret(s.name))
            for s in catalogue.SECRETS
            for action in ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy")
        ],
        "data.aws_security_group": [("ec2:DescribeSecurityGroups", every)],
        "data.aws_vpc": [
            ("ec2:DescribeVpcs", every),
            ("ec2:DescribeVpcAttribute", a("ec2", f"vpc/{env.config.network.vpc_id}")),
        ],
        "data.terraform_remote_state": [],  # the state object: see the state tests
    }


def writes(env: Env) -> dict[str, list[tuple[str, str, dict]]]:
    """Resource type -> what creating and deleting it calls, on a resource of ours."""
    p, a, none = env.prefix, env.arn, {}
    vpc = {"ec2:Vpc": a("ec2", f"vpc/{env.config.network.vpc_id}")}
    boundary = {"iam:PermissionsBoundary": env.config.permissions_boundary_arn}
    ours = {"aws:RequestTag/Project": env.config.project, "aws:RequestTag/Environment": env.config.name}
    bucket = f"arn:aws:s3:::{p}-frontend-ci-pipeline-artifacts-{env.account}"
    balancer = a("elasticloadbalancing", f"loadbalancer/app/{p}-api/50dc6c495c0c9188")
    target = a("application-autoscaling", "scalable-target/0ec5a0b1c2d3e4f5a6b7c8d9")
    return {
        "aws_appautoscaling_policy": [("application-autoscaling:PutScalingPolicy", target, none)],
        "aws_appautoscaling_target": [("application-autoscaling:RegisterScalableTarget", target, none)],
        "aws_cloudwatch_event_api_destination": [
            ("events:CreateApiDestination", a("events", f"api-destination/{p}-reset-queue"), none)
        ],
        "aws_cloudwatch_event_connection": [
            ("events:CreateConnection", a("events", f"connection/{p}-technician-scheduler"), none),
            ("events:DeleteConnection", a("events", f"connection/{p}-technician-scheduler/uuid"), none),
        ],
        "aws_cloudwatch_event_rule": [("events:PutRule", a("events", f"rule/{p}-reset-queue"), none)],
        "aws_cloudwatch_event_target": [("events:PutTargets", a("events", f"rule/{p}-reset-queue"), none)],
        "aws_cloudwatch_log_group": [
            ("logs:CreateLogGroup", a("logs", f"log-group:{catalogue.log_group_name(env.namer)}"), none),
            ("logs:PutRetentionPolicy", a("logs", f"log-group:/aws/codebuild/{p}-frontend-ci-pipeline-build"), none),
            # A deployed group gets its KMS key in place.
            ("logs:AssociateKmsKey", a("logs", f"log-group:{catalogue.log_group_name(env.namer)}"), none),
        ],
        "aws_cloudwatch_log_stream": [
            (
                "logs:CreateLogStream",
                a("logs", f"log-group:{catalogue.log_group_name(env.namer)}:log-stream:api"),
                none,
            )
        ],
        "aws_cloudwatch_metric_alarm": [
            ("cloudwatch:PutMetricAlarm", a("cloudwatch", f"alarm:{p}-dead-letter-queue-reset-queue"), none),
            ("cloudwatch:DeleteAlarms", a("cloudwatch", f"alarm:{p}-service-cpu"), none),
        ],
        "aws_codebuild_project": [("codebuild:CreateProject", a("codebuild", f"project/{p}-ecs-pipeline-build"), none)],
        "aws_codepipeline": [
            ("codepipeline:CreatePipeline", a("codepipeline", f"{p}-frontend-ci-pipeline"), none),
            ("codestar-connections:PassConnection", env.config.pipelines.connection_arn, none),
        ],
        "aws_ecr_lifecycle_policy": [
            ("ecr:PutLifecyclePolicy", a("ecr", f"repository/{catalogue.ecr_repository_name(env.namer)}"), none)
        ],
        "aws_ecr_repository": [
            ("ecr:CreateRepository", a("ecr", f"repository/{catalogue.ecr_repository_name(env.namer)}"), none)
        ],
        "aws_ecs_cluster": [("ecs:CreateCluster", a("ecs", f"cluster/{p}-cluster"), none)],
        "aws_ecs_service": [("ecs:CreateService", a("ecs", f"service/{p}-cluster/{p}-api"), none)],
        "aws_ecs_task_definition": [
            ("ecs:RegisterTaskDefinition", a("ecs", f"task-definition/{p}-api:8"), none),
            ("ecs:TagResource", a("ecs", f"task-definition/{p}-api:7"), none),
        ],
        "aws_elasticache_replication_group": [
            ("elasticache:CreateReplicationGroup", a("elasticache", f"replicationgroup:{p}-redis"), none),
            ("elasticache:CreateReplicationGroup", a("elasticache", f"cluster:{p}-redis-001"), none),
            # ElastiCache uses the group's KMS key through a grant made with the caller's rights.
            ("kms:CreateGrant", env.key(), {"kms:GrantIsForAWSResource": "true"}),
        ],
        "aws_elasticache_subnet_group": [
            ("elasticache:CreateCacheSubnetGroup", a("elasticache", f"subnetgroup:{p}-redis"), none)
        ],
        "aws_iam_role": [("iam:CreateRole", a("iam", f"role/{p}-api-execution", region=False), boundary)],
        "aws_iam_role_policy": [("iam:PutRolePolicy", a("iam", f"role/{p}-api-execution", region=False), boundary)],
        "aws_kms_alias": [
            ("kms:CreateAlias", a("kms", f"alias/{catalogue.parameters_key_alias(env.namer)}"), none),
            ("kms:CreateAlias", env.key(), none),
        ],
        "aws_kms_key": [
            ("kms:CreateKey", "*", none),
            # CreateKey with the provider's default tags: TagResource on `*` (AWS), no key yet.
            ("kms:TagResource", "*", ours),
            (
                "kms:ScheduleKeyDeletion",
                env.key(),
                {"aws:ResourceTag/Project": env.config.project, "aws:ResourceTag/Environment": env.config.name},
            ),
        ],
        "aws_lb": [("elasticloadbalancing:CreateLoadBalancer", balancer, none)],
        "aws_lb_listener": [
            (
                "elasticloadbalancing:CreateListener",
                f"{balancer.replace(':loadbalancer/', ':listener/')}/f2f7dc8e",
                none,
            )
        ],
        "aws_lb_target_group": [
            ("elasticloadbalancing:CreateTargetGroup", a("elasticloadbalancing", f"targetgroup/{p}-api/73e2d6bc"), none)
        ],
        "aws_s3_bucket": [
            ("s3:CreateBucket", bucket, none),
            ("s3:DeleteBucket", bucket, none),
            ("s3:CreateBucket", f"arn:aws:s3:::{p}-api-access-logs-{env.account}", none),
        ],
        "aws_s3_bucket_lifecycle_configuration": [("s3:PutLifecycleConfiguration", bucket, none)],
        "aws_s3_bucket_policy": [("s3:PutBucketPolicy", bucket, none)],
        "aws_s3_bucket_public_access_block": [("s3:PutBucketPublicAccessBlock", bucket, none)],
        "aws_s3_bucket_server_side_encryption_configuration": [("s3:PutEncryptionConfiguration", bucket, none)],
        "aws_s3_bucket_versioning": [("s3:PutBucketVersioning", bucket, none)],
        "aws_security_group": [
            ("ec2:CreateSecurityGroup", a("ec2", f"vpc/{env.config.network.vpc_id}"), none),
            ("ec2:CreateSecurityGroup", a("ec2", "security-group/*"), vpc),
        ],
        "aws_sns_topic": [("sns:CreateTopic", a("sns", catalogue.deployment_topic_name(env.namer)), none)],
        "aws_sns_topic_policy": [
            ("sns:SetTopicAttributes", a("sns", catalogue.deployment_topic_name(env.namer)), none)
        ],
        "aws_sqs_queue": [("sqs:CreateQueue", a("sqs", f"{p}-reset-queue-dlq"), none)],
        "aws_sqs_queue_policy": [("sqs:SetQueueAttributes", a("sqs", f"{p}-reset-queue-dlq"), none)],
        "aws_ssm_parameter": [
            ("ssm:PutParameter", env.parameter("rds/username"), none),
            ("kms:GenerateDataKey", env.key(), env.kms("ssm", env.parameters_alias)),
        ],
        "aws_vpc_security_group_egress_rule": [
            ("ec2:AuthorizeSecurityGroupEgress", a("ec2", "security-group/sg-0123456789abcdef0"), vpc)
        ],
        "aws_vpc_security_group_ingress_rule": [
            # Also on the external RDS group: it is in the same VPC.
            ("ec2:AuthorizeSecurityGroupIngress", a("ec2", f"security-group/{env.config.rds.security_group_id}"), vpc)
        ],
    }


def synthesized_types(synthesized, env: Env) -> set[str]:
    stacks = [synthesized[f"{layer}-{env.config.name}"] for layer in LAYERS]
    return {t for stack in stacks for t in stack.get("resource", {})} | {
        f"data.{t}" for stack in stacks for t in stack.get("data", {})
    }


def test_plan_role_refreshes_every_type_we_manage_or_read(synthesized, env):
    """A type added to a stack without its reads here fails: extend `reads` and, if the
    plan role misses an action, policy/iam/read.json."""
    table = reads(env)
    types = synthesized_types(synthesized, env)
    assert types - set(table) == set()
    for resource_type in sorted(types):
        for action, resource in table[resource_type]:
            assert env.decide("plan", action, resource) == ALLOW, (resource_type, action, resource)
            assert env.decide("deploy", action, resource) == ALLOW, (resource_type, action, resource)


def test_deploy_role_creates_every_type_we_manage(synthesized, env):
    table = writes(env)
    types = {t for t in synthesized_types(synthesized, env) if not t.startswith("data.")}
    assert types - set(table) == set()
    for resource_type in sorted(types):
        for action, resource, context in table[resource_type]:
            assert env.decide("deploy", action, resource, context) == ALLOW, (resource_type, action, resource)
            assert env.decide("plan", action, resource, context) != ALLOW, (resource_type, action, resource)


def test_an_unknown_account_region_or_environment_is_not_ours(env):
    """The name patterns really scope: the same resource of another environment is refused."""
    other = env.prefix.replace(env.config.name, "other")
    assert env.decide("deploy", "ecs:CreateCluster", env.arn("ecs", f"cluster/{other}-cluster")) == IMPLICIT_DENY
    assert env.decide("plan", "iam:GetRole", env.arn("iam", f"role/{other}-api-task", region=False)) == IMPLICIT_DENY
    assert env.decide("plan", "ec2:DescribeVpcs", "*", {"aws:RequestedRegion": "eu-west-1"}) == IMPLICIT_DENY


# ----------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
@pytest.mark.parametrize("role", sorted(iam_policies.ROLES))
def test_rendered_policies_are_complete_and_fit_iam(name, role):
    policies = iam_policies.render(load_environment(name), role)
    for policy_name, document in policies.items():
        assert policy_name.startswith(f"dailydesk-{name}-{role}-")
        assert "${" not in json.dumps(document)
        assert iam_policies.size(document) <= iam_policies.MAX_MANAGED_POLICY_CHARACTERS
        for statement in document["Statement"]:
            assert statement["Sid"] and statement["Effect"] in ("Allow", "Deny")
            actions = statement.get("Action", statement.get("NotAction"))
            assert "*" not in (actions if isinstance(actions, list) else [actions]), statement["Sid"]
    sids = [s["Sid"] for d in policies.values() for s in d["Statement"]]
    assert len(sids) == len(set(sids))
    has_state = any(s.startswith("State") for s in sids)
    if role == "keys":
        # The keys role has no read set and never touches the state: one policy.
        assert len(policies) == 1 and not has_state
        return
    # At most 10 managed policies per role (IAM's default quota), with the read set.
    assert 2 <= len(policies) <= 10
    assert has_state is isinstance(load_environment(name).state, S3State)


def test_the_command_prints_or_writes_the_documents(tmp_path, capsys):
    prod = load_environment("prod")
    assert iam_policies.main(["--env=prod", "--role=plan"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "trust_policy": iam_policies.render_trust(prod, "plan"),
        "managed_policies": iam_policies.render(prod, "plan"),
    }
    assert iam_policies.main(["--env=prod", "--role=deploy", f"--out={tmp_path}"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{n}.json" for n in iam_policies.render(prod, "deploy")] + ["dailydesk-prod-deploy-trust.json"]
    )
    trust = json.loads((tmp_path / "dailydesk-prod-deploy-trust.json").read_text())
    assert trust == iam_policies.render_trust(prod, "deploy")
    capsys.readouterr()
    assert iam_policies.main(["--env=prod", "--role=boundary"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "dailydesk-prod-permissions-boundary": iam_policies.render_boundary(prod)
    }


def test_an_unknown_placeholder_is_an_error():
    config = load_environment("prod")
    with pytest.raises(iam_policies.PolicyError, match="unknown placeholder"):
        iam_policies.render_document({"Statement": [{"Sid": "X", "Resource": "arn:${nope}"}]}, config)
    with pytest.raises(iam_policies.PolicyError, match="whole element"):
        iam_policies.render_document({"Statement": [{"Sid": "X", "Resource": "a-${manual_parameter_arns}"}]}, config)


# ---------------------------------------------------------------------- trust (issue 22)

GITHUB = "token.actions.githubusercontent.com"


def assume(env: Env, role: str, provider_host: str, claims: dict[str, str]) -> str:
    """Would a web identity token of `provider_host` with `claims` assume `role`? The trust
    statements of that provider, evaluated without their Principal (the evaluator reads
    identity policies)."""
    provider = f"arn:aws:iam::{env.account}:oidc-provider/{provider_host}"
    statements = []
    for statement in iam_policies.render_trust(env.config, role)["Statement"]:
        assert set(statement["Principal"]) == {"Federated"}
        if statement["Principal"]["Federated"] == provider:
            statements.append(
                {key: value for key, value in statement.items() if key != "Principal"} | {"Resource": "*"}
            )
    context = {f"{provider_host}:{claim}": value for claim, value in claims.items()}
    return decide([{"Statement": statements}], Request("sts:AssumeRoleWithWebIdentity", "*", context))


def github(env: Env, role: str, sub: str, aud: str = "sts.amazonaws.com") -> str:
    return assume(env, role, GITHUB, {"aud": aud, "sub": sub})


def test_trust_policies_name_only_the_accounts_oidc_providers_and_web_identity(env):
    for role in iam_policies.TRUST_POLICIES:
        for statement in iam_policies.render_trust(env.config, role)["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            provider = statement["Principal"]["Federated"]
            assert provider.startswith(f"arn:aws:iam::{env.account}:oidc-provider/"), provider
            host = provider.rsplit("/", 1)[1]
            # Every statement pins the audience exactly and the subject without a wildcard
            # except a Terraform Cloud project (a workspace name is unique in its organization).
            assert statement["Condition"]["StringEquals"][f"{host}:aud"] in (
                "sts.amazonaws.com",
                "aws.workload.identity",
            )
            subjects = (
                statement["Condition"].get("StringEquals", {}).get(f"{host}:sub")
                or statement["Condition"]["StringLike"][f"{host}:sub"]
            )
            for subject in subjects if isinstance(subjects, list) else [subjects]:
                assert subject.replace(":project:*:", ":project:p:").count("*") == 0, subject


def assert_github_trusts_only(env: Env, role: str, subject: str, refused: tuple[str, ...]) -> None:
    """`role` admits GitHub's token with `subject`, and none of the `refused` subjects."""
    assert github(env, role, subject) == ALLOW
    for sub in refused:
        assert github(env, role, sub) == IMPLICIT_DENY, sub


def test_the_deploy_role_trusts_only_this_repositorys_environment(env):
    repo, name = env.config.ci.github_repository, env.config.name
    refused = (
        f"repo:{repo}:environment:{name}-plan",
        f"repo:{repo}:environment:{'prod' if name != 'prod' else 'staging'}",
        f"repo:{repo}:pull_request",
        f"repo:{repo}:ref:refs/heads/main",
        f"repo:{repo}:environment:{name}-other",
        f"repo:someone/fork:environment:{name}",
        f"repo:{repo}-fork:environment:{name}",
    )
    assert_github_trusts_only(env, "deploy", f"repo:{repo}:environment:{name}", refused)
    # The audience is STS's, no other.
    assert github(env, "deploy", f"repo:{repo}:environment:{name}", aud="https://github.com/dailydesk") == (
        IMPLICIT_DENY
    )


def test_the_plan_role_trusts_only_this_repositorys_pull_requests_and_plan_environment(env):
    repo, name = env.config.ci.github_repository, env.config.name
    for sub in (f"repo:{repo}:pull_request", f"repo:{repo}:environment:{name}-plan"):
        assert github(env, "plan", sub) == ALLOW, sub
        assert github(env, "plan", sub, aud="sigstore") == IMPLICIT_DENY
    for sub in (
        f"repo:{repo}:environment:{name}",
        f"repo:{repo}:ref:refs/heads/main",
        f"repo:{repo}:environment:other-plan",
        "repo:someone/fork:pull_request",
    ):
        assert github(env, "plan", sub) == IMPLICIT_DENY, sub


def test_terraform_cloud_runs_assume_the_roles_only_for_the_exact_workspaces(env):
    state = env.config.state
    statements = [
        s
        for role in iam_policies.TRUST_POLICIES
        for s in iam_policies.render_trust(env.config, role)["Statement"]
        if s["Sid"].startswith("TerraformCloud")
    ]
    if not isinstance(state, CloudState):
        assert statements == []
        return
    host, org = state.hostname, state.organization
    workspaces = [env.namer.workspace(layer) for layer in LAYERS]
    assert workspaces == [f"dailydesk-{layer}-{env.config.name}" for layer in LAYERS]

    def run(role: str, workspace: str, phase: str, organization: str = org, aud: str = "aws.workload.identity"):
        sub = f"organization:{organization}:project:Default Project:workspace:{workspace}:run_phase:{phase}"
        return assume(env, role, host, {"aud": aud, "sub": sub})

    for workspace in workspaces:
        assert run("plan", workspace, "plan") == ALLOW
        assert run("deploy", workspace, "apply") == ALLOW
        assert run("plan", workspace, "apply") == IMPLICIT_DENY
        assert run("deploy", workspace, "plan") == IMPLICIT_DENY
        assert run("deploy", workspace, "apply", organization="other") == IMPLICIT_DENY
        assert run("deploy", workspace, "apply", aud="sts.amazonaws.com") == IMPLICIT_DENY
    # What `dailydesk-*-dev` used to admit: any other workspace of that shape.
    for other in (f"dailydesk-evil-{env.config.name}", f"dailydesk-backend-{env.config.name}-copy"):
        assert run("deploy", other, "apply") == IMPLICIT_DENY, other
    # GitHub's tokens are not Terraform Cloud's.
    assert assume(
        env, "deploy", host, {"aud": "sts.amazonaws.com", "sub": f"repo:x/y:environment:{env.config.name}"}
    ) == (IMPLICIT_DENY)


# ------------------------------------------------------------ permissions boundary (issue 22)


def role_arn(env: Env, name: str) -> str:
    return env.arn("iam", f"role/{name}", region=False)


def test_the_deploy_role_writes_roles_only_with_the_boundary(env):
    ours = role_arn(env, f"{env.prefix}-api-task")
    boundary = env.config.permissions_boundary_arn
    other = boundary.replace("permissions-boundary", "administrator")
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"):
        assert env.decide("deploy", action, ours, {"iam:PermissionsBoundary": boundary}) == ALLOW, action
        assert env.decide("deploy", action, ours) == EXPLICIT_DENY, action
        assert env.decide("deploy", action, ours, {"iam:PermissionsBoundary": other}) == EXPLICIT_DENY, action
        # Not ours even with the boundary; anyone's without it is refused outright.
        assert env.decide("deploy", action, role_arn(env, "admin"), {"iam:PermissionsBoundary": boundary}) == (
            IMPLICIT_DENY
        )
        assert env.decide("deploy", action, role_arn(env, "admin")) == EXPLICIT_DENY
    assert env.decide("deploy", "iam:AttachRolePolicy", ours, {"iam:PermissionsBoundary": boundary}) == IMPLICIT_DENY
    assert env.decide("plan", "iam:CreateRole", ours, {"iam:PermissionsBoundary": boundary}) == IMPLICIT_DENY


def test_the_deploy_role_cannot_loosen_or_remove_the_boundary(env):
    boundary = env.config.permissions_boundary_arn
    for action in (
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    ):
        assert env.decide("deploy", action, boundary) == EXPLICIT_DENY, action
    for role in (role_arn(env, f"{env.prefix}-api-task"), role_arn(env, "anything")):
        assert env.decide("deploy", "iam:DeleteRolePermissionsBoundary", role) == EXPLICIT_DENY
    # The preflight reads it, both roles may.
    for role in ("plan", "deploy"):
        assert env.decide(role, "iam:GetPolicyVersion", boundary) == ALLOW


def boundary_decide(env: Env, action: str, resource: str, context: dict | None = None) -> str:
    full = {"aws:RequestedRegion": env.region, **(context or {})}
    return decide([iam_policies.render_boundary(env.config)], Request(action, resource, full))


def role_statements(synthesized, env: Env) -> list[dict]:
    """The statements of every inline policy of every role the stacks of `env` create."""
    found = []
    for layer in LAYERS:
        stack = synthesized[f"{layer}-{env.config.name}"]
        documents = stack.get("data", {}).get("aws_iam_policy_document", {})
        for policy in stack.get("resource", {}).get("aws_iam_role_policy", {}).values():
            document_id = policy["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
            found += documents[document_id]["statement"]
    return found


def test_the_boundary_admits_every_action_our_roles_are_given(synthesized, env):
    """A role's effective permissions are its policy within the boundary: an action missing
    from the boundary would break that role. (Resources are Terraform references here: the
    concrete ones are checked below.)"""
    from constructs_lib.shared.iam import STAR_ONLY_ACTIONS

    boundary = iam_policies.render_boundary(env.config)["Statement"]
    allowed = {action for s in boundary if s["Effect"] == "Allow" for action in iam_policies_actions(s)}
    statements = role_statements(synthesized, env)
    assert statements
    given = {action for statement in statements for action in statement["actions"]}
    assert given - allowed == set()
    star = next(s for s in boundary if s["Resource"] == "*")
    assert set(star["Action"]) == STAR_ONLY_ACTIONS


def iam_policies_actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def test_the_boundary_admits_our_roles_work_on_our_resources(env):
    p, a = env.prefix, env.arn
    hosting = next(iter(env.config.hosting.buckets().values()))
    for action, resource, context in (
        ("ecr:PutImage", a("ecr", f"repository/{catalogue.ecr_repository_name(env.namer)}"), {}),
        ("ecr:BatchGetImage", env.config.node_image_repository_arn, {}),
        ("ecr:GetAuthorizationToken", "*", {}),
        ("logs:PutLogEvents", a("logs", f"log-group:{catalogue.log_group_name(env.namer)}:log-stream:x"), {}),
        ("logs:CreateLogStream", a("logs", f"log-group:/aws/codebuild/{p}-ecs-pipeline-build:log-stream:1"), {}),
        ("ssm:GetParameters", env.parameter("jwt-secret"), {}),
        ("ssm:GetParametersByPath", a("ssm", f"parameter{env.config.parameter_prefix}"), {}),
        ("secretsmanager:GetSecretValue", env.secret("technician-scheduler"), {}),
        ("kms:Decrypt", env.key(), {}),
        ("s3:PutObject", f"arn:aws:s3:::{p}-ecs-pipeline-artifacts-{env.account}/x", {}),
        ("s3:PutObject", f"arn:aws:s3:::{hosting}/index.html", {}),
        ("codebuild:StartBuild", a("codebuild", f"project/{p}-ecs-pipeline-build"), {}),
        ("codestar-connections:UseConnection", env.config.pipelines.connection_arn, {}),
        ("ecs:UpdateService", a("ecs", f"service/{p}-cluster/{p}-api"), {}),
        ("ecs:RegisterTaskDefinition", a("ecs", f"task-definition/{p}-api:9"), {}),
        ("ecs:DescribeTasks", a("ecs", f"task/{p}-cluster/0123"), {}),
        ("events:InvokeApiDestination", a("events", f"api-destination/{p}-reset-queue/uuid"), {}),
        ("ec2:CreateNetworkInterface", a("ec2", "network-interface/*"), {}),
        ("iam:PassRole", role_arn(env, f"{p}-api-task"), {"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
    ):
        assert boundary_decide(env, action, resource, context) == ALLOW, (action, resource)


def test_the_boundary_caps_any_role_the_deploy_role_could_write(env):
    """Whatever inline policy the deploy role puts into a role, the role cannot administer IAM,
    assume other roles, read the state or any other secret, or leave the environment."""
    state_bucket = "arn:aws:s3:::dailydesk-terraform-state-123/prod/backend.tfstate"
    other = env.prefix.replace(env.config.name, "other")
    for action, resource, context in (
        ("iam:CreateRole", role_arn(env, f"{env.prefix}-x"), {}),
        ("iam:PutRolePolicy", role_arn(env, f"{env.prefix}-api-task"), {}),
        ("iam:AttachRolePolicy", role_arn(env, f"{env.prefix}-api-task"), {}),
        ("iam:CreatePolicyVersion", env.config.permissions_boundary_arn, {}),
        ("sts:AssumeRole", role_arn(env, "OrganizationAccountAccessRole"), {}),
        ("iam:PassRole", role_arn(env, f"{env.prefix}-api-task"), {"iam:PassedToService": "codebuild.amazonaws.com"}),
        ("iam:PassRole", role_arn(env, "administrator"), {"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        ("s3:GetObject", state_bucket, {}),
        ("secretsmanager:GetSecretValue", env.secret("prod/database"), {}),
        ("ssm:PutParameter", env.parameter("jwt-secret"), {}),
        ("kms:PutKeyPolicy", env.key(), {}),
        ("kms:CreateGrant", env.key(), {}),
        ("ecr:PutImage", env.arn("ecr", f"repository/{other}-api"), {}),
        ("s3:PutObject", f"arn:aws:s3:::{other}-ecs-pipeline-artifacts-{env.account}/x", {}),
        ("ecs:UpdateService", env.arn("ecs", f"service/{other}-cluster/{other}-api"), {}),
        ("ec2:RunInstances", env.arn("ec2", "instance/*"), {}),
        ("ecr:GetAuthorizationToken", "*", {"aws:RequestedRegion": "eu-west-1"}),
        ("lambda:CreateFunction", env.arn("lambda", "function:x"), {}),
    ):
        assert boundary_decide(env, action, resource, context) != ALLOW, (action, resource)


def test_the_boundary_is_complete_and_fits_one_managed_policy(env):
    document = iam_policies.render_boundary(env.config)
    assert "${" not in json.dumps(document)
    assert iam_policies.size(document) <= iam_policies.MAX_MANAGED_POLICY_CHARACTERS
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and "*" not in iam_policies_actions(statement)


# ------------------------------------------------------------------- KMS tagging (issue 22)


def key_context(aliases: list[str], tags: dict[str, str] | None = None, request: dict[str, str] | None = None):
    context: dict = {"kms:ResourceAliases": aliases} if aliases else {}
    context |= {f"aws:ResourceTag/{k}": v for k, v in (tags or {}).items()}
    context |= {f"aws:RequestTag/{k}": v for k, v in (request or {}).items()}
    return context


@pytest.mark.parametrize("name", S3_ENVIRONMENTS)
def test_the_state_key_cannot_be_tagged_into_scope(name):
    """The deploy role administers keys tagged Environment/Project of its environment. The state
    key (created outside the stacks, known by its alias) can neither be tagged so, nor
    administered if it were."""
    env = Env(name)
    state = env.config.state
    assert isinstance(state, S3State)
    ours = {"Environment": env.config.name, "Project": env.config.project}
    state_key = f"arn:aws:kms:{state.region}:{env.account}:key/{KEY_ID}"
    untagged = key_context([state.kms_key_id], request=ours)
    assert env.decide("deploy", "kms:TagResource", state_key, untagged) == EXPLICIT_DENY
    # Its alias stays on it: the deploy role can neither delete nor move an alias not ours.
    assert env.decide("deploy", "kms:DeleteAlias", env.arn("kms", f"{state.kms_key_id}")) == IMPLICIT_DENY
    assert env.decide("deploy", "kms:UpdateAlias", env.arn("kms", f"{state.kms_key_id}")) == IMPLICIT_DENY
    # Had it the tags already, nothing of its administration is allowed.
    tagged = key_context([state.kms_key_id], tags=ours)
    for action in ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation", "kms:UntagResource"):
        assert env.decide("deploy", action, state_key, tagged) == EXPLICIT_DENY, action


def test_keys_of_ours_are_tagged_and_administered_and_no_others(env):
    ours = {"Environment": env.config.name, "Project": env.config.project}
    alias = env.parameters_alias
    # Creating a key with our tags: TagResource on `*`, no alias, no tags yet.
    assert env.decide("deploy", "kms:TagResource", "*", key_context([], request=ours)) == ALLOW
    assert env.decide("deploy", "kms:TagResource", "*", key_context([], request={**ours, "Project": "x"})) == (
        IMPLICIT_DENY
    )
    # One of ours, later: retagged and administered.
    for action in ("kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"):
        assert env.decide("deploy", action, env.key(), key_context([f"{alias}"], tags=ours)) == ALLOW, action
    # Someone else's key, named (another environment's, another team's) or tagged otherwise.
    for context in (
        key_context(["alias/someone-else"], request=ours),
        key_context([alias.replace(env.config.name, "other")], request=ours),
        key_context([], tags={"Environment": "other", "Project": env.config.project}, request=ours),
    ):
        assert env.decide("deploy", "kms:TagResource", env.key(), context) == IMPLICIT_DENY, context
        assert env.decide("deploy", "kms:PutKeyPolicy", env.key(), context) == IMPLICIT_DENY, context
    assert env.decide("plan", "kms:TagResource", "*", key_context([], request=ours)) == IMPLICIT_DENY


# ------------------------------------------------------------------ the keys role (issue 20)


class AuthorizedKeysWorld:
    """Secrets Manager and EventBridge as the keys role meets them: every call `tools.api_keys`
    makes is first authorized by the evaluator against the role's rendered policy, on the ARN AWS
    authorizes it on (a secret named by its name has the random suffix; a connection its UUID),
    then answered. A call the role may not make raises AccessDeniedException, as AWS would."""

    def __init__(self, env: Env, connection_arn_suffix: str = "/0f9e8d7c-uuid") -> None:
        self.env, self.suffix = env, connection_arn_suffix
        self.calls: list[tuple[str, str]] = []
        self.values: dict[str, str] = {}
        for connection in api_keys.connections(env.config):
            secret = connection.secret
            self.values[env.secret(secret.name)] = json.dumps({secret.key: f"the key of {secret.name}"})
            self.values[env.connection_secret(secret.name)] = json.dumps(
                {"api_key_name": secret.key, "api_key_value": secret.placeholder}
            )

    def _authorize(self, action: str, resource: str) -> None:
        self.calls.append((action, resource))
        if self.env.decide("keys", action, resource) != ALLOW:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": ""}}, action)

    def _secret_arn(self, secret_id: str) -> str:
        return secret_id if secret_id.startswith("arn:") else self.env.secret(secret_id)

    def _connection_secret_arn(self, name: str) -> str:
        return self.env.connection_secret(name.removeprefix(f"{self.env.prefix}-"))

    def describe_secret(self, *, SecretId: str) -> dict:  # noqa: N803 (boto3's parameter names)
        self._authorize("secretsmanager:DescribeSecret", self._secret_arn(SecretId))
        return {"ARN": self._secret_arn(SecretId), "Name": SecretId}

    def get_secret_value(self, *, SecretId: str) -> dict:  # noqa: N803
        arn = self._secret_arn(SecretId)
        self._authorize("secretsmanager:GetSecretValue", arn)
        return {"SecretString": self.values[arn]}

    def describe_connection(self, *, Name: str) -> dict:  # noqa: N803
        self._authorize("events:DescribeConnection", self.env.arn("events", f"connection/{Name}{self.suffix}"))
        return {"Name": Name, "SecretArn": self._connection_secret_arn(Name)}

    def update_connection(self, *, Name: str, AuthParameters: dict) -> dict:  # noqa: N803
        self._authorize("events:UpdateConnection", self.env.arn("events", f"connection/{Name}{self.suffix}"))
        parameters = AuthParameters["ApiKeyAuthParameters"]
        self.values[self._connection_secret_arn(Name)] = json.dumps(
            {"api_key_name": parameters["ApiKeyName"], "api_key_value": parameters["ApiKeyValue"]}
        )
        return {}


@pytest.mark.parametrize("suffix", ["/0f9e8d7c-uuid", ""])
def test_the_keys_role_syncs_and_checks_the_two_connections(env, suffix):
    """`sync-api-keys` then `check-api-keys`, every call authorized by the keys role's policy, on
    a connection ARN with its UUID and in the Service Authorization Reference's form."""
    world = AuthorizedKeysWorld(env, suffix)
    clients = Clients(env.config, overrides={"secretsmanager": world, "events": world})
    assert api_keys.check_exit_code(api_keys.check(env.config, clients)) == exit_codes.FOUND  # placeholders
    assert {row.status for row in api_keys.sync(env.config, clients)} == {api_keys.UPDATED}
    rows = api_keys.check(env.config, clients)
    assert len(rows) == len(catalogue.api_key_connections(env.config, env.namer)) >= 1
    assert {row.status for row in rows} == {api_keys.IN_SYNC}
    assert {action for action, _ in world.calls} == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "events:DescribeConnection",
        "events:UpdateConnection",
    }


def test_the_keys_role_updates_and_reads_no_other_connection_or_secret(env):
    p, a = env.prefix, env.arn
    other_env = p.replace(env.config.name, "other")
    for secret in catalogue.SECRETS:
        for connection in (
            f"connection/{other_env}-{secret.name}/uuid",  # another environment's
            f"connection/{p}-{secret.name}-copy/uuid",  # a longer name with ours as its prefix
            f"connection/{p}-{secret.name}x",
        ):
            for action in ("events:UpdateConnection", "events:DescribeConnection"):
                assert env.decide("keys", action, a("events", connection)) != ALLOW, (action, connection)
        # Ours, in another region or account.
        ours = f"connection/{p}-{secret.name}/uuid"
        elsewhere = f"arn:aws:events:eu-west-1:{env.account}:{ours}"
        assert env.decide("keys", "events:UpdateConnection", elsewhere) == EXPLICIT_DENY
        assert env.decide("keys", "events:UpdateConnection", a("events", ours)) == ALLOW
    assert env.decide("keys", "events:UpdateConnection", a("events", "connection/someone-elses/uuid")) == (
        EXPLICIT_DENY
    )
    for other in (
        env.secret("prod/database"),
        env.secret("technician-scheduler-extra"),
        a("secretsmanager", f"secret:events!connection/{other_env}-technician-scheduler/uuid"),
        a("secretsmanager", "secret:events!connection/someone-elses/uuid"),
    ):
        assert env.decide("keys", "secretsmanager:GetSecretValue", other) == EXPLICIT_DENY, other
        assert env.decide("keys", "secretsmanager:DescribeSecret", other) == IMPLICIT_DENY, other


def test_the_keys_role_can_do_nothing_else(env):
    """Nothing of what the plan and deploy roles do (every refresh and every create of every type
    we manage, on our own resources), and no write to the secrets, no other call on the
    connections, no key, no parameter, no state, no role."""
    # What it is for (the test above), wherever the tables below name it.
    allowed = {
        (action, env.secret(s.name))
        for s in catalogue.SECRETS
        for action in ("secretsmanager:describesecret", "secretsmanager:getsecretvalue")
    } | {
        ("events:describeconnection", env.arn("events", f"connection/{env.prefix}-{s.name}{suffix}"))
        for s in catalogue.SECRETS
        for suffix in ("", "/uuid")
    }
    requests = [(action, resource, {}) for calls in reads(env).values() for action, resource in calls]
    requests += [request for calls in writes(env).values() for request in calls]
    connection = env.arn("events", f"connection/{env.prefix}-technician-scheduler/uuid")
    secret = env.secret("technician-scheduler")
    requests += [
        ("events:DeleteConnection", connection, {}),
        ("events:CreateConnection", connection, {}),
        ("events:DeauthorizeConnection", connection, {}),
        ("events:TagResource", connection, {}),
        ("events:ListConnections", "*", {}),
        ("secretsmanager:PutSecretValue", secret, {}),
        ("secretsmanager:UpdateSecret", secret, {}),
        ("secretsmanager:DeleteSecret", secret, {}),
        ("secretsmanager:PutResourcePolicy", secret, {}),
        ("secretsmanager:ListSecrets", "*", {}),
        ("secretsmanager:PutSecretValue", env.connection_secret("technician-scheduler"), {}),
        ("secretsmanager:UpdateSecret", env.connection_secret("technician-scheduler"), {}),
        ("kms:Decrypt", env.key(), env.kms("secretsmanager", "alias/aws/secretsmanager")),
        ("ssm:GetParameter", env.parameter("jwt-secret"), {}),
        ("s3:GetObject", "arn:aws:s3:::dailydesk-terraform-state-1/dailydesk/prod/backend.tfstate", {}),
        ("sts:AssumeRole", env.arn("iam", "role/anything", region=False), {}),
        ("iam:PassRole", env.arn("iam", f"role/{env.prefix}-api-task", region=False), {}),
    ]
    assert len(requests) > 100
    for action, resource, context in requests:
        if (action.lower(), resource) in allowed:
            continue
        assert env.decide("keys", action, resource, context) != ALLOW, (action, resource)


def test_the_keys_role_allows_exactly_four_actions_on_named_resources(env):
    """No read set, no `*`: each Allow names its actions and the exact secrets and connections."""
    (document,) = iam_policies.render(env.config, "keys").values()
    variables = iam_policies.variables(env.config)
    named = {*variables["api_key_secret_arns"], *variables["connection_secret_arns"]}
    named |= set(variables["api_key_connection_arns"])
    actions = set()
    for statement in document["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        actions |= set(iam_policies_actions(statement))
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert set(resources) <= named and "Condition" not in statement, statement["Sid"]
    assert actions == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "events:DescribeConnection",
        "events:UpdateConnection",
    }
    assert not any(statement["Sid"].startswith(("State", "TerraformCloud")) for statement in document["Statement"])


def test_the_keys_role_trusts_only_this_repositorys_keys_environment(env):
    repo, name = env.config.ci.github_repository, env.config.name
    refused = (
        f"repo:{repo}:environment:{name}",
        f"repo:{repo}:environment:{name}-plan",
        f"repo:{repo}:environment:{'prod' if name != 'prod' else 'staging'}-keys",
        f"repo:{repo}:pull_request",
        f"repo:{repo}:ref:refs/heads/main",
        f"repo:someone/fork:environment:{name}-keys",
    )
    assert_github_trusts_only(env, "keys", f"repo:{repo}:environment:{name}-keys", refused)
    assert github(env, "keys", f"repo:{repo}:environment:{name}-keys", aud="sigstore") == IMPLICIT_DENY
    # Only GitHub's provider: no Terraform Cloud run may assume it.
    statements = iam_policies.render_trust(env.config, "keys")["Statement"]
    assert [s["Principal"]["Federated"].rsplit("/", 1)[1] for s in statements] == [GITHUB]
    # And the deploy and plan roles do not trust the keys environment.
    for role in ("deploy", "plan"):
        assert github(env, role, f"repo:{repo}:environment:{name}-keys") == IMPLICIT_DENY, role
