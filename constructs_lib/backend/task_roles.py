"""The two roles of the API's tasks: the execution role (ECS agent) and the task role (the app)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.shared.iam import allow, in_region, service_role
from workspace.naming import MAX_IAM_ROLE_NAME, Namer

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True)
class TaskRolesProps:
    namer: Namer
    partition: str
    region: str
    account_id: str
    ecr_repository_arn: str
    log_group_arn: str
    log_streams_arn: str
    app_log_stream_arn: str
    secret_parameter_arns: tuple[str, ...]
    parameter_prefix: str
    parameters_kms_key_arn: str
    secret_arns: tuple[str, ...]
    sales_export_bucket: str
    permissions_boundary_arn: str


class TaskRoles(Construct):
    """Creates the task execution role and the task role, each with one inline policy of
    named actions on named resources.

    Execution role (used by the ECS agent before the app starts): pull from this ECR
    repository, write the container's stdout to the log group, read exactly the SSM
    parameters injected as `secrets` (decrypting with the parameters key, through SSM only)
    and the API-key secrets.
    Task role (what the NestJS app calls at run time): `ssm:GetParametersByPath` and
    `ssm:GetParameter(s)` under this environment's prefix, the sales-export bucket's objects,
    its own log stream. Exposes `execution_role` and `task_role`.
    """

    def __init__(self, scope: Construct, id: str, *, props: TaskRolesProps) -> None:
        super().__init__(scope, id)
        p = props
        # Only ECS of this account, in this region, may assume the roles (confused-deputy guard).
        tasks_of_this_account = (f"arn:{p.partition}:ecs:{p.region}:{p.account_id}:*",)
        via_ssm = [("StringEquals", "kms:ViaService", [f"ssm.{p.region}.amazonaws.com"])]
        self.execution_role = service_role(
            self,
            "execution-role",
            name=p.namer.name("api", "execution", max_len=MAX_IAM_ROLE_NAME),
            service=ECS_TASKS_SERVICE,
            account_id=p.account_id,
            permissions_boundary=p.permissions_boundary_arn,
            source_arns=tasks_of_this_account,
            description="ECS agent for the API tasks: image pull, logs, injected secrets",
            statements=[
                # GetAuthorizationToken has no resource-level permission in IAM: this region only.
                allow("EcrAuth", ["ecr:GetAuthorizationToken"], ["*"], [in_region(p.region)]),
                allow(
                    "EcrPull",
                    ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                    [p.ecr_repository_arn],
                ),
                allow("ContainerLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [p.log_streams_arn]),
                allow("InjectedParameters", ["ssm:GetParameters"], list(p.secret_parameter_arns)),
                allow("DecryptParameters", ["kms:Decrypt"], [p.parameters_kms_key_arn], via_ssm),
                allow("InjectedSecrets", ["secretsmanager:GetSecretValue"], list(p.secret_arns)),
            ],
        )
        prefix_arn = f"arn:{p.partition}:ssm:{p.region}:{p.account_id}:parameter{p.parameter_prefix}"
        bucket_arn = f"arn:{p.partition}:s3:::{p.sales_export_bucket}"
        self.task_role = service_role(
            self,
            "task-role",
            name=p.namer.name("api", "task", max_len=MAX_IAM_ROLE_NAME),
            service=ECS_TASKS_SERVICE,
            account_id=p.account_id,
            permissions_boundary=p.permissions_boundary_arn,
            source_arns=tasks_of_this_account,
            description="The DailyDesk API at run time: its configuration, sales exports, its log stream",
            statements=[
                allow(
                    "ReadConfiguration",
                    ["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters"],
                    [prefix_arn, f"{prefix_arn}/*"],
                ),
                allow("DecryptConfiguration", ["kms:Decrypt"], [p.parameters_kms_key_arn], via_ssm),
                allow("SalesExportObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"{bucket_arn}/*"]),
                allow("SalesExportListing", ["s3:ListBucket"], [bucket_arn]),
                allow(
                    "AppLogStream",
                    ["logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [p.log_group_arn, p.app_log_stream_arn],
                ),
            ],
        )
