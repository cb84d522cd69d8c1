"""The two roles of the API's tasks: the execution role (ECS agent) and the task role (the app)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.backend.container_registry import ContainerRegistry
from constructs_lib.backend.service_logs import ServiceLogs
from constructs_lib.parent.ssm_parameters import READ_PATH_ACTIONS, StoredParameters
from constructs_lib.shared.iam import ServiceRole, allow, service_role
from workspace.context import AwsContext
from workspace.naming import MAX_IAM_ROLE_NAME

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True)
class TaskRolesProps:
    context: AwsContext
    registry: ContainerRegistry
    logs: ServiceLogs
    secret_parameter_arns: tuple[str, ...]
    parameter_prefix: str
    parameters_kms_key_arn: str
    secret_arns: tuple[str, ...]
    sales_export_bucket: str


class TaskRoles(Construct):
    """Creates the task execution role and the task role, each with one inline policy of
    named actions on named resources.

    Execution role (used by the ECS agent before the app starts): pull from `registry`,
    write the container's stdout to `logs`, read exactly the SSM parameters injected as
    `secrets` (decrypting with the parameters key, through SSM only) and the API-key
    secrets.
    Task role (what the NestJS app calls at run time): `ssm:GetParametersByPath` and
    `ssm:GetParameter(s)` under this environment's prefix, the sales-export bucket's objects,
    its own log stream. Exposes `execution_role` and `task_role`.
    """

    def __init__(self, scope: Construct, id: str, *, props: TaskRolesProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self._define_execution_role()
        self._define_task_role()

    def _role(self, id: str, part: str, description: str) -> ServiceRole:
        context = self._props.context
        return service_role(
            self,
            id,
            name=context.namer.name("api", part, max_len=MAX_IAM_ROLE_NAME),
            service=ECS_TASKS_SERVICE,
            account_id=context.account_id,
            permissions_boundary=context.permissions_boundary_arn,
            # Only ECS of this account, in this region, may assume the roles (confused-deputy guard).
            source_arns=(context.arn("ecs", "*"),),
            description=description,
        )

    def _define_execution_role(self) -> None:
        p = self._props
        self.execution_role = self._role(
            "execution-role", "execution", "ECS agent for the API tasks: image pull, logs, injected secrets"
        )
        p.registry.grant_pull(self.execution_role)
        p.logs.grant_write(self.execution_role)
        injected = StoredParameters(p.secret_parameter_arns, (p.parameters_kms_key_arn,), via_ssm_in=p.context.region)
        injected.grant_read(self.execution_role, sid="InjectedParameters", decrypt_sid="DecryptParameters")
        self.execution_role.add_statements(
            allow("InjectedSecrets", ["secretsmanager:GetSecretValue"], list(p.secret_arns))
        )

    def _define_task_role(self) -> None:
        p = self._props
        self.task_role = self._role(
            "task-role", "task", "The DailyDesk API at run time: its configuration, sales exports, its log stream"
        )
        prefix_arn = p.context.arn("ssm", f"parameter{p.parameter_prefix}")
        configuration = StoredParameters(
            (prefix_arn, f"{prefix_arn}/*"),
            (p.parameters_kms_key_arn,),
            actions=READ_PATH_ACTIONS,
            via_ssm_in=p.context.region,
        )
        configuration.grant_read(self.task_role, sid="ReadConfiguration", decrypt_sid="DecryptConfiguration")
        bucket_arn = f"arn:{p.context.partition}:s3:::{p.sales_export_bucket}"
        self.task_role.add_statements(
            allow("SalesExportObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"{bucket_arn}/*"]),
            allow("SalesExportListing", ["s3:ListBucket"], [bucket_arn]),
        )
        p.logs.grant_write_stream(self.task_role)
