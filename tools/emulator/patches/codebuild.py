"""CodeBuild: projects fed by CodePipeline, and deletion by ARN."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.emulator.patches import patch

if TYPE_CHECKING:
    from moto.core.responses import ActionResult

# Source/artifact types whose location CodeBuild takes from elsewhere (the pipeline's
# artifacts), so AWS neither needs nor stores one.
_LOCATIONLESS_TYPES = ("CODEPIPELINE", "NO_SOURCE")


@patch("codebuild", "CreateProject")
def codepipeline_source_without_location() -> None:
    """CreateProject accepts `source.type = CODEPIPELINE` (and NO_SOURCE) and
    `artifacts.type = CODEPIPELINE` without a `location`, as AWS does.

    Our build and migrate projects run only inside the pipelines, so their source and
    artifacts are CODEPIPELINE; moto demands a location and rejects them.
    """
    from moto.codebuild import responses

    original_source = responses._validate_required_params_source
    original_artifacts = responses._validate_required_params_artifacts

    def validate_source(source: dict[str, Any]) -> None:
        if source.get("type") in _LOCATIONLESS_TYPES and not source.get("location"):
            return
        original_source(source)

    def validate_artifacts(artifacts: dict[str, Any]) -> None:
        if artifacts.get("type") == "CODEPIPELINE" and not artifacts.get("location"):
            return
        original_artifacts(artifacts)

    responses._validate_required_params_source = validate_source
    responses._validate_required_params_artifacts = validate_artifacts


@patch("codebuild", "DeleteProject")
def delete_project_by_arn() -> None:
    """DeleteProject accepts a project's ARN as well as its name, as AWS does.

    The provider deletes `aws_codebuild_project` by ARN; moto only matched names, reported
    success and kept the project, so the next deploy failed with ResourceAlreadyExists.
    """
    from moto.codebuild.models import CodeBuildBackend

    original_delete = CodeBuildBackend.delete_project

    def delete_project(self: CodeBuildBackend, project_name: str) -> None:
        original_delete(self, project_name.split(":project/", 1)[-1])

    setattr(CodeBuildBackend, "delete_project", delete_project)


@patch("codebuild", "CreateProject", "BatchGetProjects")
def project_keeps_encryption_key() -> None:
    """CreateProject stores `encryptionKey` and BatchGetProjects returns it, as AWS does
    (moto always answered the default `alias/aws/s3`).

    Our build, migrate and deploy projects encrypt their artifacts with the pipeline's
    customer-managed KMS key; with the default read back, every plan wanted to change
    `encryption_key` on each `aws_codebuild_project`.
    """
    from moto.codebuild.responses import CodeBuildResponse

    original = CodeBuildResponse.create_project

    def create_project(self: CodeBuildResponse) -> ActionResult:
        result = original(self)
        key = self._get_param("encryptionKey")
        if key:
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return result

    setattr(CodeBuildResponse, "create_project", create_project)
