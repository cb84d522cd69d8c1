"""The layers: one Terraform workspace each per environment, `<layer>-<env>`.

This is the one list of them. The app builds a stack per layer (`stacks.app` maps each
layer to its stack class: this package never imports the stacks), the tools deploy them
wave by wave, and the tests parametrise over them. Pure data: reading it never starts jsii.
"""

from __future__ import annotations

from dataclasses import dataclass

from workspace.contracts import BACKEND_CONTRACT, FRONTEND_CONTRACT, PARENT_CONTRACT, Contract


@dataclass(frozen=True)
class Layer:
    """A workspace of every environment. `wave`: the deploy order; the layers of one wave
    read only the layers of earlier waves (through their contracts), so they deploy side by
    side. `contract`: the named outputs other workspaces and tools read."""

    name: str
    wave: int
    description: str
    contract: Contract


PARENT = Layer("parent", 0, "the SSM parameter catalogue and the remote-state contract", PARENT_CONTRACT)
BACKEND = Layer("backend", 1, "Fargate API, ALB, Redis, EventBridge jobs, ecs-pipeline, RDS link", BACKEND_CONTRACT)
FRONTEND = Layer("frontend", 1, "the frontend CI pipeline over the external S3/CloudFront hosting", FRONTEND_CONTRACT)

LAYERS: tuple[Layer, ...] = (PARENT, BACKEND, FRONTEND)
BY_NAME: dict[str, Layer] = {layer.name: layer for layer in LAYERS}
NAMES: tuple[str, ...] = tuple(layer.name for layer in LAYERS)


def waves(names: tuple[str, ...] = NAMES) -> list[tuple[Layer, ...]]:
    """The layers named, grouped by wave in deploy order (empty waves dropped)."""
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}: use {', '.join(NAMES)}")
    selected = [layer for layer in LAYERS if layer.name in names]
    return [
        tuple(layer for layer in selected if layer.wave == wave) for wave in sorted({layer.wave for layer in selected})
    ]
