"""What a saved plan read from AWS that the pipeline changes behind Terraform's back.

The backend's task definition takes its image from the family's latest revision
(`data.aws_ecs_container_definition`, constructs_lib/backend/fargate_service.py): the image
the pipeline last deployed. A plan reads it once, when it is made. Made at 09:00 with
image v1, approved and applied at 14:00 after the pipeline deployed v2 at 10:00, it would
register v1 again and roll the service back: Terraform's stale-plan check cannot see it,
because the pipeline changes AWS, not the state. So before a saved plan is applied, the
image each such read saw (kept in the plan's prior state) is compared with what the family's
latest revision runs now; a plan whose image moved is refused with "plan again".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

IMAGE_DATA_SOURCE = "aws_ecs_container_definition"


@dataclass(frozen=True)
class ImageRead:
    """One image a plan read: `data.<address>` of `container` in the family's latest revision."""

    address: str
    task_definition: str  # the family (its latest ACTIVE revision) or a family:revision
    container: str
    image: str


def image_reads(prior_state: dict[str, Any]) -> list[ImageRead]:
    """The images the plan read, from its prior state (a saved plan keeps the data sources
    it read there)."""
    return list(_reads(prior_state))


def _reads(prior_state: dict[str, Any]) -> Iterator[ImageRead]:
    for resource in prior_state.get("resources", []):
        if resource.get("mode") != "data" or resource.get("type") != IMAGE_DATA_SOURCE or resource.get("module"):
            continue
        for instance in resource.get("instances", []):
            attributes = instance.get("attributes") or {}
            if attributes.get("task_definition") and attributes.get("image"):
                key = instance.get("index_key")
                suffix = "" if key is None else f"[{key}]"
                yield ImageRead(
                    address=f"data.{IMAGE_DATA_SOURCE}.{resource['name']}{suffix}",
                    task_definition=str(attributes["task_definition"]),
                    container=str(attributes.get("container_name", "")),
                    image=str(attributes["image"]),
                )


def running_image(ecs: Any, read: ImageRead) -> str | None:
    """The image of `read.container` in the revision `read.task_definition` names now; None
    when the family or the container is gone."""
    from botocore.exceptions import ClientError

    try:
        definition = ecs.describe_task_definition(taskDefinition=read.task_definition)["taskDefinition"]
    except ClientError:
        return None
    images = [c.get("image") for c in definition.get("containerDefinitions", []) if c.get("name") == read.container]
    return str(images[0]) if images else None


def moved_images(prior_state: dict[str, Any], ecs_client: Any) -> list[str]:
    """One line per image read whose value moved since the plan (empty: the plan still holds).
    `ecs_client` is called only when the plan read an image."""
    lines = []
    reads = image_reads(prior_state)
    ecs = ecs_client() if reads else None
    for read in reads:
        now = running_image(ecs, read)
        if now != read.image:
            lines.append(
                f"{read.address}: the plan read image {read.image} of {read.task_definition}; its latest "
                f"revision runs {now or '(none: the family or container is gone)'} now"
            )
    return lines
