"""A CodeBuild project run by a pipeline: the project, its own role, its log group.

The buildspec is a file in `constructs_lib/delivery/buildspecs/`; its text is synthesized into the
project, so a change to the file is a reviewed change to the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectEnvironment,
    CodebuildProjectEnvironmentEnvironmentVariable,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
    CodebuildProjectVpcConfig,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from constructs import Construct

from constructs_lib.parent.ssm_parameters import StoredParameters
from constructs_lib.shared.artifact_bucket import ArtifactBucket
from constructs_lib.shared.iam import allow, in_region, service_role
from constructs_lib.shared.lifecycle import lifecycle
from constructs_lib.shared.logs import grant_log_write
from workspace.context import AwsContext

BUILDSPEC_DIR = Path(__file__).resolve().parent / "buildspecs"
DEFAULT_IMAGE = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
DEFAULT_COMPUTE_TYPE = "BUILD_GENERAL1_SMALL"
DEFAULT_TIMEOUT_MINUTES = 30
DEFAULT_QUEUED_TIMEOUT_MINUTES = 60

CODEBUILD_SERVICE = "codebuild.amazonaws.com"
# What a project in a VPC looks up before creating its ENIs: describe calls have no
# resource-level permissions in IAM.
VPC_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)


def buildspec(file_name: str) -> str:
    """The text of a buildspec file; a missing file fails at synth."""
    path = BUILDSPEC_DIR / file_name
    if not path.is_file():
        raise FileNotFoundError(f"no buildspec {file_name!r} in {BUILDSPEC_DIR}")
    return path.read_text()


def terraform_literal(text: str) -> str:
    """`text` as a literal Terraform string: shell `${VAR}` and `%{` must not be read as
    Terraform interpolation or template directives."""
    return text.replace("${", "$${").replace("%{", "%%{")


@dataclass(frozen=True)
class EnvironmentVariable:
    """PLAINTEXT carries the value; PARAMETER_STORE carries the SSM parameter *name* and
    `arn` (needed for the role's `ssm:GetParameters`)."""

    name: str
    value: str
    type: str = "PLAINTEXT"
    arn: str | None = None

    def __post_init__(self) -> None:
        if self.type not in ("PLAINTEXT", "PARAMETER_STORE"):
            raise ValueError(f"{self.name}: unsupported variable type {self.type!r}")
        if (self.type == "PARAMETER_STORE") != (self.arn is not None):
            raise ValueError(f"{self.name}: a PARAMETER_STORE variable needs the parameter ARN, and only it")


@dataclass(frozen=True)
class ParameterRef:
    """An SSM parameter a build reads: its name (what CodeBuild resolves) and ARN (what IAM grants)."""

    name: str
    arn: str

    def variable(self, env_name: str) -> EnvironmentVariable:
        return EnvironmentVariable(env_name, self.name, "PARAMETER_STORE", self.arn)


@dataclass(frozen=True)
class VpcPlacement:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    subnet_arns: tuple[str, ...]


@dataclass(frozen=True)
class BuildProjectProps:
    context: AwsContext
    name: str
    description: str
    buildspec_file: str
    role_name: str
    artifact_bucket: ArtifactBucket
    log_retention_days: int
    # The KMS key CloudWatch Logs encrypts the project's log group with.
    log_key_arn: str
    environment_variables: tuple[EnvironmentVariable, ...] = ()
    # KMS keys that decrypt SecureString parameters among the variables.
    parameter_key_arns: tuple[str, ...] = ()
    # What the build itself does beyond reading its input and writing its output.
    statements: tuple[DataAwsIamPolicyDocumentStatement, ...] = ()
    vpc: VpcPlacement | None = None
    privileged_mode: bool = False
    image: str = DEFAULT_IMAGE
    compute_type: str = DEFAULT_COMPUTE_TYPE
    timeout_minutes: int = DEFAULT_TIMEOUT_MINUTES
    queued_timeout_minutes: int = DEFAULT_QUEUED_TIMEOUT_MINUTES


class BuildProject(Construct):
    """Creates a CodePipeline-sourced CodeBuild project (`project`) with its role (`role`, a
    `ServiceRole` codebuild.amazonaws.com assumes for this project of this account only), an
    inline policy scoped to its log group, the artifact bucket and key, its parameters and
    `statements`, and a log group `/aws/codebuild/<name>` (`log_group`, encrypted with
    `log_key_arn`). With `vpc`, the
    project runs in those subnets and security groups and may create its ENIs only there.
    """

    def __init__(self, scope: Construct, id: str, *, props: BuildProjectProps) -> None:
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=f"/aws/codebuild/{props.name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.log_key_arn,
            lifecycle=lifecycle(props.context.prevent_destroy),
        )
        self._define_role(props)
        self.project = CodebuildProject(
            self,
            "project",
            name=props.name,
            description=props.description,
            service_role=self.role.arn,
            build_timeout=props.timeout_minutes,
            queued_timeout=props.queued_timeout_minutes,
            encryption_key=props.artifact_bucket.key.arn,
            source=CodebuildProjectSource(
                type="CODEPIPELINE", buildspec=terraform_literal(buildspec(props.buildspec_file))
            ),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                compute_type=props.compute_type,
                image=props.image,
                type="LINUX_CONTAINER",
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=props.privileged_mode,
                environment_variable=[
                    CodebuildProjectEnvironmentEnvironmentVariable(name=v.name, value=v.value, type=v.type)
                    for v in props.environment_variables
                ],
            ),
            logs_config=CodebuildProjectLogsConfig(
                cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(
                    status="ENABLED", group_name=self.log_group.name
                )
            ),
            vpc_config=(
                CodebuildProjectVpcConfig(
                    vpc_id=props.vpc.vpc_id,
                    subnets=list(props.vpc.subnet_ids),
                    security_group_ids=list(props.vpc.security_group_ids),
                )
                if props.vpc
                else None
            ),
            # The role's policy must exist before the first build can use it.
            depends_on=[self.role.policy],
        )

    def _define_role(self, props: BuildProjectProps) -> None:
        self.role = service_role(
            self,
            "role",
            name=props.role_name,
            service=CODEBUILD_SERVICE,
            account_id=props.context.account_id,
            permissions_boundary=props.context.permissions_boundary_arn,
            source_arns=(props.context.arn("codebuild", f"project/{props.name}"),),
            policy_name="build",
        )
        grant_log_write(self.role, "WriteOwnLogs", f"{self.log_group.arn}:*")
        props.artifact_bucket.grant_read_write(self.role)
        parameters = StoredParameters(
            tuple(v.arn for v in props.environment_variables if v.arn is not None), props.parameter_key_arns
        )
        parameters.grant_read(self.role, sid="ReadOwnParameters", decrypt_sid="DecryptOwnParameters")
        if props.vpc:
            self.role.add_statements(*self._network_interface_statements(props, props.vpc))
        self.role.add_statements(*props.statements)

    @staticmethod
    def _network_interface_statements(
        props: BuildProjectProps, vpc: VpcPlacement
    ) -> list[DataAwsIamPolicyDocumentStatement]:
        """What a project in a VPC needs for its ENIs: the describe calls (no resource-level
        permissions) and creating, attaching and deleting interfaces in its own subnets only."""
        context = props.context
        interfaces = context.arn("ec2", "network-interface/*")
        return [
            allow("DescribeBuildNetwork", VPC_DESCRIBE_ACTIONS, ["*"], [in_region(context.region)]),
            allow(
                "CreateInterfacesInOwnSubnets",
                ["ec2:CreateNetworkInterface"],
                [
                    interfaces,
                    *vpc.subnet_arns,
                    *(context.arn("ec2", f"security-group/{group}") for group in vpc.security_group_ids),
                ],
            ),
            allow(
                "DeleteInterfacesInOwnVpc",
                ["ec2:DeleteNetworkInterface"],
                [interfaces],
                [("ArnEquals", "ec2:Vpc", [context.arn("ec2", f"vpc/{vpc.vpc_id}")])],
            ),
            allow(
                "AttachInOwnSubnets",
                ["ec2:CreateNetworkInterfacePermission"],
                [interfaces],
                [
                    ("ArnEquals", "ec2:Subnet", list(vpc.subnet_arns)),
                    ("StringEquals", "ec2:AuthorizedService", [CODEBUILD_SERVICE]),
                ],
            ),
        ]

    @property
    def arn(self) -> str:
        return self.project.arn

    @property
    def name(self) -> str:
        return self.project.name
