"""The layers: the spec's three workspaces, and the deploy order every runner follows (the
deploy engine reads `layers.waves()`; the CI deploy workflow writes it out as jobs)."""

from __future__ import annotations

import yaml

from tools.paths import REPO_ROOT
from workspace import layers

DEPLOY_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "infrastructure-deploy.yml"


def test_the_spec_workspaces_in_deploy_order():
    assert [(layer.name, layer.wave) for layer in layers.LAYERS] == [("parent", 0), ("backend", 1), ("frontend", 1)]
    assert [[layer.name for layer in wave] for wave in layers.waves()] == [["parent"], ["backend", "frontend"]]
    assert [[layer.name for layer in wave] for wave in layers.waves(("frontend",))] == [["frontend"]]


def ci_waves(jobs: dict[str, dict]) -> list[set[str]]:
    """The CI's waves: a layer's wave is 0 when its plan job waits for no layer's apply job,
    else one more than the latest wave whose apply it waits for (directly or through other jobs)."""

    def needs(name: str) -> set[str]:
        direct = jobs[name].get("needs", [])
        found = set([direct] if isinstance(direct, str) else direct)
        for job in list(found):
            found |= needs(job)
        return found

    planned = {name.removeprefix("plan-") for name in jobs if name.startswith("plan-")}
    wave: dict[str, int] = {}

    def wave_of(layer: str) -> int:
        if layer not in wave:
            applied = [job.removeprefix("apply-") for job in needs(f"plan-{layer}") if job.startswith("apply-")]
            wave[layer] = max((wave_of(other) + 1 for other in applied), default=0)
        return wave[layer]

    grouped: dict[int, set[str]] = {}
    for layer in planned:
        grouped.setdefault(wave_of(layer), set()).add(layer)
    return [grouped[number] for number in sorted(grouped)]


def test_the_ci_deploy_jobs_run_the_layers_wave_by_wave():
    """Each layer has a plan job and an apply job; a layer's plan waits for the applies of
    the earlier waves, never for a layer of its own wave or a later one."""
    jobs = yaml.safe_load(DEPLOY_WORKFLOW.read_text())["jobs"]
    assert {name for name in jobs if name.startswith(("plan-", "apply-"))} == {
        f"{step}-{layer}" for step in ("plan", "apply") for layer in layers.NAMES
    }
    assert ci_waves(jobs) == [{layer.name for layer in wave} for wave in layers.waves()]


def test_the_wave_check_sees_a_layer_planned_before_its_parent_is_applied():
    jobs = yaml.safe_load(DEPLOY_WORKFLOW.read_text())["jobs"]
    jobs["plan-backend"]["needs"] = ["plan-parent"]
    assert ci_waves(jobs) == [{"parent", "backend"}, {"frontend"}]
    assert ci_waves(jobs) != [{layer.name for layer in wave} for wave in layers.waves()]
