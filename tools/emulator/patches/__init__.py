"""The compatibility layer: small patches that make moto answer as AWS does where our
architecture needs it. One module per AWS service; each patch is one function, registered
with `@patch`, whose docstring names the API action(s) and the AWS behaviour it restores.

moto is pinned (Pipfile.lock); `apply_all` refuses another version, so a moto upgrade is a
deliberate step that re-runs the patch tests rather than a silent change.

A patch replaces a moto class's method or property (or a name a moto module imports
without exporting it) with `setattr(owner, "name", value)`: the explicit form of a
monkeypatch, which mypy accepts where it rejects assigning to a method. Ruff's B010
(prefer the plain assignment) is off for this package in pyproject.toml for that reason.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

PINNED_MOTO_VERSION = "5.2.5"
SERVICE_MODULES = (
    "custom_ids",
    "application_autoscaling",
    "elasticache",
    "codepipeline",
    "codebuild",
    "ecs",
    "cloudwatch",
    "ec2",
    "events",
    "elbv2",
)


@dataclass(frozen=True)
class Patch:
    name: str
    service: str
    actions: tuple[str, ...]
    function: Callable[[], None] = field(repr=False, compare=False)

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.function.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n")[0].replace("\n", " ")


_REGISTRY: list[Patch] = []
_APPLIED: list[Patch] = []


def patch(service: str, *actions: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a patch function of `service` restoring the given API actions."""

    def register(function: Callable[[], None]) -> Callable[[], None]:
        if not function.__doc__:
            raise TypeError(f"patch {function.__name__} needs a docstring: the AWS behaviour it restores")
        _REGISTRY.append(Patch(function.__name__, service, tuple(actions), function))
        return function

    return register


def _load() -> None:
    for module in SERVICE_MODULES:
        importlib.import_module(f"{__name__}.{module}")


def list_patches() -> list[Patch]:
    """Every patch, in SERVICE_MODULES' order (whichever module was imported first)."""
    _load()
    order = {f"{__name__}.{module}": index for index, module in enumerate(SERVICE_MODULES)}
    return sorted(_REGISTRY, key=lambda item: order.get(item.function.__module__, len(order)))


def apply_all() -> list[Patch]:
    """Apply every patch once (idempotent) and return them in order."""
    import moto

    if moto.__version__ != PINNED_MOTO_VERSION:
        raise RuntimeError(
            f"the compatibility patches are written for moto {PINNED_MOTO_VERSION}, found {moto.__version__}: "
            "re-run tests/emulator and update PINNED_MOTO_VERSION deliberately"
        )
    for item in list_patches():
        if item not in _APPLIED:
            item.function()
            _APPLIED.append(item)
    return list(_APPLIED)
