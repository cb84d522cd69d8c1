"""CodePipeline: timestamps as the epoch numbers the JSON protocol uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.emulator.patches import patch

if TYPE_CHECKING:
    import datetime


def _epoch(moment: datetime.datetime) -> float:
    return round(moment.timestamp(), 3)


@patch("codepipeline", "GetPipeline", "ListPipelines")
def pipeline_metadata_timestamps() -> None:
    """GetPipeline returns `metadata.created`/`metadata.updated` (and ListPipelines
    `created`/`updated`) as epoch-second numbers, as AWS's JSON protocol does.

    moto sends ISO-8601 strings; the provider's SDK rejects them ("expected Timestamp to
    be a JSON Number"), so every refresh of `aws_codepipeline` (the backend and frontend
    pipelines) fails.
    """
    from moto.codepipeline.models import CodePipeline

    def metadata(self: CodePipeline) -> dict[str, str | float]:
        return {"pipelineArn": self._arn, "created": _epoch(self._created), "updated": _epoch(self._updated)}

    setattr(CodePipeline, "metadata", property(metadata))


@patch("codepipeline", "ListPipelineExecutions")
def pipeline_execution_timestamps() -> None:
    """ListPipelineExecutions returns `startTime`/`lastUpdateTime` as epoch numbers, as AWS does.

    Operators read a pipeline's executions (`aws codepipeline list-pipeline-executions`,
    the tests' pipeline runs); ISO strings make the SDKs fail to parse the answer, as with
    the pipeline metadata.
    """
    from moto.codepipeline.models import PipelineExecution

    original = PipelineExecution.to_summary_dict

    def to_summary_dict(self: PipelineExecution) -> dict[str, Any]:
        summary = original(self)
        summary["startTime"] = _epoch(self.start_time)
        summary["lastUpdateTime"] = _epoch(self.last_update_time)
        return summary

    setattr(PipelineExecution, "to_summary_dict", to_summary_dict)


@patch("codepipeline", "CreatePipeline", "UpdatePipeline")
def role_trust_with_service_lists() -> None:
    """CreatePipeline/UpdatePipeline accept a role whose trust policy names
    `codepipeline.amazonaws.com` inside a list of service principals (IAM's
    `"Service": ["a", "b"]` form), as AWS does.

    An IAM policy document with several identifiers renders that list form; moto only
    recognised a single string, answered InvalidStructureException and the provider
    retried it as IAM propagation until its timeout.
    """
    import json
    import types

    from moto.codepipeline import models

    def statements_one_service_each(document: dict[str, Any]) -> dict[str, Any]:
        expanded = []
        for statement in document.get("Statement", []):
            services = (
                statement.get("Principal", {}).get("Service") if isinstance(statement.get("Principal"), dict) else None
            )
            if isinstance(services, list):
                expanded += [
                    {**statement, "Principal": {**statement["Principal"], "Service": service}} for service in services
                ]
            else:
                expanded.append(statement)
        return {**document, "Statement": expanded}

    def loads(text: str | bytes | bytearray, *args: Any, **kwargs: Any) -> Any:
        value = json.loads(text, *args, **kwargs)
        return statements_one_service_each(value) if isinstance(value, dict) and "Statement" in value else value

    # moto's trust check reads the role document through its module's `json`.
    setattr(models, "json", types.SimpleNamespace(loads=loads, dumps=json.dumps))
