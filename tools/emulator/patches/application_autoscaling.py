"""Application Auto Scaling: tags on scalable targets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tools.emulator.patches import patch

if TYPE_CHECKING:
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
    from moto.core.exceptions import JsonRESTError

# Tags live on the backend object, so moto's reset (which rebuilds backends) clears them.
_TAGS_ATTRIBUTE = "_dailydesk_tags"


def _tags(backend: ApplicationAutoscalingBackend) -> dict[str, dict[str, str]]:
    if not hasattr(backend, _TAGS_ATTRIBUTE):
        setattr(backend, _TAGS_ATTRIBUTE, {})
    tags: dict[str, dict[str, str]] = getattr(backend, _TAGS_ATTRIBUTE)
    return tags


def _target_arns(backend: ApplicationAutoscalingBackend) -> set[str]:
    return {target.arn for by_id in backend.targets.values() for target in by_id.values()}


def _not_found(arn: str) -> JsonRESTError:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ResourceNotFoundException", f"No scalable target found for ARN {arn}")


@patch("application-autoscaling", "RegisterScalableTarget", "ListTagsForResource", "TagResource", "UntagResource")
def scalable_target_tags() -> None:
    """RegisterScalableTarget keeps `Tags`; ListTagsForResource, TagResource and
    UntagResource exist and answer for a scalable target's ARN, as on AWS.

    `aws_appautoscaling_target` (the ECS service's desired-count bounds) always reads its
    tags back; without ListTagsForResource moto answers HTTP 500 and the provider retries
    until it times out, so the service's auto scaling could not be deployed at all.
    """
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    original_register = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        body = original_register(self)
        tags = self._get_param("Tags") or {}
        if tags:
            _tags(self.applicationautoscaling_backend).setdefault(json.loads(body)["ScalableTargetARN"], {}).update(
                tags
            )
        return body

    def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
        arn = self._get_param("ResourceARN")
        backend = self.applicationautoscaling_backend
        if arn not in _target_arns(backend):
            raise _not_found(arn)
        return json.dumps({"Tags": _tags(backend).get(arn, {})})

    def tag_resource(self: ApplicationAutoScalingResponse) -> str:
        arn = self._get_param("ResourceARN")
        backend = self.applicationautoscaling_backend
        if arn not in _target_arns(backend):
            raise _not_found(arn)
        _tags(backend).setdefault(arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: ApplicationAutoScalingResponse) -> str:
        arn = self._get_param("ResourceARN")
        backend = self.applicationautoscaling_backend
        if arn not in _target_arns(backend):
            raise _not_found(arn)
        for key in self._get_param("TagKeys") or []:
            _tags(backend).get(arn, {}).pop(key, None)
        return json.dumps({})

    setattr(ApplicationAutoScalingResponse, "register_scalable_target", register_scalable_target)
    setattr(ApplicationAutoScalingResponse, "list_tags_for_resource", list_tags_for_resource)
    setattr(ApplicationAutoScalingResponse, "tag_resource", tag_resource)
    setattr(ApplicationAutoScalingResponse, "untag_resource", untag_resource)
