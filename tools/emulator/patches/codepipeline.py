"""CodePipeline: timestamps as the epoch numbers the JSON protocol uses."""

from __future__ import annotations

from tools.emulator.patches import patch


def _epoch(moment) -> float:
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

    def metadata(self) -> dict:
        return {"pipelineArn": self._arn, "created": _epoch(self._created), "updated": _epoch(self._updated)}

    CodePipeline.metadata = property(metadata)


@patch("codepipeline", "ListPipelineExecutions")
def pipeline_execution_timestamps() -> None:
    """ListPipelineExecutions returns `startTime`/`lastUpdateTime` as epoch numbers, as AWS does.

    The deploy summary and operators read the latest execution of a pipeline; ISO strings
    make the SDKs fail to parse the answer, as with the pipeline metadata.
    """
    from moto.codepipeline.models import PipelineExecution

    original = PipelineExecution.to_summary_dict

    def to_summary_dict(self) -> dict:
        summary = original(self)
        summary["startTime"] = _epoch(self.start_time)
        summary["lastUpdateTime"] = _epoch(self.last_update_time)
        return summary

    PipelineExecution.to_summary_dict = to_summary_dict
