"""Every stateful resource of every stack carries `prevent_destroy` from the environment's config."""

from __future__ import annotations

import pytest

from config import load_environment
from tests.configs import STACKS
from tests.synth import resources
from workspace.protection import STATEFUL_RESOURCE_TYPES


@pytest.mark.parametrize("name", STACKS)
def test_every_stateful_resource_carries_prevent_destroy_from_config(synthesized, name):
    stack = synthesized[name]
    protect = load_environment(name.split("-", 1)[1]).protection.prevent_destroy
    found = {
        f"{resource_type}.{key}": body.get("lifecycle", {}).get("prevent_destroy")
        for resource_type in STATEFUL_RESOURCE_TYPES
        for key, body in resources(stack, resource_type).items()
    }
    assert found
    assert found == dict.fromkeys(found, protect)


@pytest.mark.parametrize("env", ["prod", "local"])
def test_the_topics_and_the_dead_letter_queues_are_guarded(synthesized, env):
    stack = synthesized[f"backend-{env}"]
    protect = not load_environment(env).is_emulated
    topics = resources(stack, "aws_sns_topic")
    assert {t["//"]["metadata"]["path"].split("/")[1] for t in topics.values()} == {
        "deployment-topic",
        "operations-topic",
    }
    assert {t["lifecycle"]["prevent_destroy"] for t in topics.values()} == {protect}
    queues = resources(stack, "aws_sqs_queue")
    assert len(queues) == 3
    assert {q["lifecycle"]["prevent_destroy"] for q in queues.values()} == {protect}
