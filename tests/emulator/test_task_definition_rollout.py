"""Terraform and the pipeline share the API's task definition: a changed environment file
reaches the running service with the image the pipeline last deployed, and a deploy without
such a change leaves the service alone.

One deployment of `parent-local` and `backend-local` serves the steps in file order (a
backend deploy costs ~2 min of fixed provider waits): the first deploy, a pipeline
deployment done with boto3 exactly as CodePipeline's ECS deploy action does it, an
unrelated deploy, a size change, a change of one environment value, and the documented
circuit-breaker edge. After each step the test reads what the service runs from ECS
(DescribeServices -> DescribeTaskDefinition).

Each deploy is the deploy engine's `make plan` then `make apply` of each layer (tools/deploy/
engine.py: `plan_for_review` into a saved plan with its change set, `apply_saved_plan` of
exactly that plan, with the guard, the live-read check, the rollout watch and the last good
record), after a synth of the changed config. The stacks live in <tmp>/cdktf.out/stacks/<stack>,
so their relative state paths stay in <tmp>/state.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from config import load_environment
from config.schema import EnvironmentConfig
from tests import terraform_runs as terraform
from tests.configs import changed
from tests.emulator import pipeline_deploy
from tests.engine.fixtures import EngineRun, captured, run_step
from tools import changeset, drift
from tools.aws import emulator_client
from tools.changeset import MODIFY, REPLACE, ChangeSet
from tools.deploy import engine, exit_codes
from tools.deploy.workspace import Workspace
from workspace.naming import Namer

pytestmark = pytest.mark.emulator

LAYERS = ("parent", "backend")
CONTAINER = "api"
PIPELINE_TAG = "3f9c2e1"  # the commit the pipeline builds
FAILED_TAG = "badc0de"  # a commit whose tasks never become healthy
NEWER_TAG = "7a1b2c3"  # a commit the pipeline deploys between a review and its apply
CHANGED_RETENTION = 14
CHANGED_RDS_HOST = "dailydesk-local-moved.c9x1y2z3a4b5.us-east-1.rds.amazonaws.com"
QUIET = engine.Options(show_changeset=False)


@dataclass(frozen=True)
class Running:
    """What the service runs: its revision and the parts of it a deploy may change."""

    arn: str
    revision: int
    cpu: str
    memory: str
    image: str
    environment: dict[str, str]

    def row(self, step: str) -> str:
        return f"| {step} | {self.revision} | {self.cpu} | {self.memory} | {self.image.rsplit('/', 1)[1]} |"


@dataclass
class Deployment:
    root: Path
    config: EnvironmentConfig
    namer: Namer
    table: list[str] = field(default_factory=list)
    pipeline_image: str = ""

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    def stack_dir(self, layer: str) -> Path:
        return self.outdir / "stacks" / self.namer.stack(layer)

    def ecs(self):
        assert self.config.emulator is not None
        return emulator_client("ecs", self.config.emulator.endpoint, self.config.region)

    def synthesize(self, config: EnvironmentConfig) -> None:
        """Synthesize `config` beside the stacks and swap in their cdk.tf.json (the stack
        directories keep their .terraform and saved plans)."""
        from cdktf import App

        from stacks.app import STACKS

        scratch = self.root / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        (scratch / "cdktf.out").mkdir(parents=True)
        app = App(outdir=str(scratch / "cdktf.out"))
        for layer in LAYERS:
            STACKS[layer](app, config)
        app.synth()
        for layer in LAYERS:
            target = self.stack_dir(layer)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(scratch / "cdktf.out" / "stacks" / self.namer.stack(layer) / "cdk.tf.json", target)
        self.config = config

    def workspace(self, layer: str) -> Workspace:
        return Workspace(self.config, layer, self.stack_dir(layer))

    def run_engine(self, layer: str, step: Callable[..., int], *args: object) -> EngineRun:
        """One deploy-engine entry point on `layer`'s workspace, and what it printed."""
        return run_step(self.workspace(layer), self.root / "logs", step, *args)

    def plan(self, layer: str, step: str) -> ChangeSet:
        """`make plan`: the change set of `layer`, its plan saved as `plans/<step>-<stack>.tfplan`."""
        plan_file = self.plan_file(layer, step)
        (code, changes), output = captured(
            self.workspace(layer),
            self.root / "logs",
            lambda workspace, context: engine.plan_for_review(workspace, context, QUIET, plan_file),
        )
        assert changes is not None and code == changes.exit_code, output
        return changes

    def plan_file(self, layer: str, step: str) -> Path:
        plans = self.root / "plans"
        plans.mkdir(exist_ok=True)
        return plans / f"{step}-{self.namer.stack(layer)}.tfplan"

    def deploy(self, config: EnvironmentConfig, step: str) -> dict[str, ChangeSet]:
        """`make plan` then `make apply` of each layer in order: the change set, then exactly
        that plan applied by the engine."""
        self.synthesize(config)
        changesets = {}
        for layer in LAYERS:
            changesets[layer] = self.plan(layer, step)
            if changesets[layer].changes:
                applied = self.run_engine(layer, engine.apply_saved_plan, self.plan_file(layer, step), QUIET)
                assert applied.code == exit_codes.OK, applied.output
        return changesets

    def service(self) -> dict:
        ecs = self.ecs()
        cluster, name = self.namer.name("cluster"), self.namer.name("api")
        return ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    def running(self) -> Running:
        definition = self.ecs().describe_task_definition(taskDefinition=self.service()["taskDefinition"])[
            "taskDefinition"
        ]
        (container,) = [c for c in definition["containerDefinitions"] if c["name"] == CONTAINER]
        return Running(
            arn=definition["taskDefinitionArn"],
            revision=definition["revision"],
            cpu=definition["cpu"],
            memory=definition["memory"],
            image=container["image"],
            environment={e["name"]: e["value"] for e in container["environment"]},
        )

    def record(self, step: str) -> Running:
        running = self.running()
        self.table.append(running.row(step))
        print("\n".join(["", "| step | revision | cpu | memory | image |", "|---|---|---|---|---|", *self.table]))
        return running

    def pipeline_deploy(self, image: str) -> str:
        """What CodePipeline's ECS deploy action does (tests/emulator `pipeline_deploy`)."""
        return pipeline_deploy(self.ecs(), self.namer.name("cluster"), self.namer.name("api"), image, CONTAINER)

    def repository_url(self) -> str:
        import json

        state = json.loads((self.root / "state" / "local" / f"{self.namer.stack('backend')}.tfstate").read_text())
        return state["outputs"]["ecr_repository_url"]["value"]

    def active_revisions(self) -> list[int]:
        arns = self.ecs().list_task_definitions(familyPrefix=self.namer.name("api"), status="ACTIVE")
        return sorted(int(arn.rsplit(":", 1)[1]) for arn in arns["taskDefinitionArns"])


def rows(cs: ChangeSet, resource_type: str) -> list[changeset.ResourceChange]:
    return [c for c in cs.changes if c.type == resource_type]


@pytest.fixture(scope="module")
def deployment(emulator_endpoint, tmp_path_factory) -> Deployment:
    from tools.emulator import seed

    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    seed.seed(config, emulator_endpoint)
    deployment = Deployment(tmp_path_factory.mktemp("rollout"), config, config.namer)
    deployment.synthesize(config)
    for layer in LAYERS:
        terraform.init(deployment.stack_dir(layer))
    return deployment


def test_first_deploy_runs_the_bootstrap_image_with_the_configured_size(deployment):
    config = deployment.config
    deployment.deploy(config, "first")

    running = deployment.record("1 first deploy")
    assert running.image == f"{deployment.repository_url()}:bootstrap"
    assert (running.cpu, running.memory) == (str(config.fargate.cpu), str(config.fargate.memory))
    assert running.revision == 1
    assert running.environment["RDS_HOST"] == config.rds.host


def test_a_pipeline_deployment_runs_its_image_in_a_new_revision(deployment):
    before = deployment.running()
    deployment.pipeline_image = f"{deployment.repository_url()}:{PIPELINE_TAG}"

    arn = deployment.pipeline_deploy(deployment.pipeline_image)

    running = deployment.record("2 pipeline deploy")
    assert running.arn == arn
    assert running.revision == before.revision + 1
    assert running.image == deployment.pipeline_image
    assert (running.cpu, running.memory, running.environment) == (before.cpu, before.memory, before.environment)


def test_drift_does_not_report_the_pipelines_deployment(deployment):
    # `make drift`'s reading of a refresh-only plan: the refresh sees the new revision and the
    # service on it (the raw plan has them), and neither is drift from what the code says.
    directory = deployment.stack_dir("backend")
    terraform.run(directory, "plan", "-refresh-only", "-lock=false", "-input=false", "-no-color", "-out=drift.tfplan")
    document = terraform.show_json(directory, "drift.tfplan")
    refreshed = {entry["type"] for entry in document.get("resource_drift", [])}
    assert {"aws_ecs_task_definition", "aws_ecs_service"} <= refreshed

    assert drift.read_drift(document, deployment.namer.stack("backend")) == []


def test_an_unrelated_deploy_leaves_the_service_and_its_image_alone(deployment):
    before = deployment.running()
    config = changed(deployment.config, **{"logs.retention_days": CHANGED_RETENTION})

    changesets = deployment.deploy(config, "unrelated")

    assert changesets["parent"].changes == ()
    backend = changesets["backend"]
    # No row for the service, and none for the task definition either. (The retention is
    # the API's and the pipeline projects' log groups'; the policies naming those groups
    # are read again at apply, hence their rows.)
    types = {c.type for c in backend.changes}
    assert "aws_cloudwatch_log_group" in types, changeset.render(backend)
    assert not types & {"aws_ecs_service", "aws_ecs_task_definition"}, changeset.render(backend)
    running = deployment.record("3 unrelated deploy (log retention)")
    assert running == before
    assert running.image == deployment.pipeline_image


def test_a_size_change_rolls_out_with_the_deployed_image(deployment):
    before = deployment.running()
    config = changed(deployment.config, **{"fargate.cpu": 512, "fargate.memory": 1024})

    changesets = deployment.deploy(config, "size")

    backend = changesets["backend"]
    print("\n" + changeset.render(backend))
    (service,) = rows(backend, "aws_ecs_service")
    assert (service.action, service.changed) == (MODIFY, ("task_definition",))
    (task_definition,) = rows(backend, "aws_ecs_task_definition")
    assert task_definition.action == REPLACE
    assert {"cpu", "memory"} <= set(task_definition.forces_replacement)
    assert {c.type for c in backend.changes} == {"aws_ecs_service", "aws_ecs_task_definition"}

    running = deployment.record("4 size change (cpu 512, memory 1024)")
    assert running.revision == before.revision + 1
    assert (running.cpu, running.memory) == ("512", "1024")
    assert running.image == deployment.pipeline_image
    assert running.environment == before.environment
    # Replacing the task definition deregistered nothing: every revision can be rolled back to.
    assert deployment.active_revisions() == list(range(1, running.revision + 1))


def test_an_environment_change_rolls_out_with_the_deployed_image(deployment):
    before = deployment.running()
    config = changed(deployment.config, **{"rds.host": CHANGED_RDS_HOST})

    changesets = deployment.deploy(config, "environment")

    assert [c.type for c in changesets["parent"].changes] == ["aws_ssm_parameter"]
    (service,) = rows(changesets["backend"], "aws_ecs_service")
    assert service.changed == ("task_definition",)
    running = deployment.record("5 environment change (RDS_HOST)")
    assert running.revision == before.revision + 1
    assert running.environment == before.environment | {"RDS_HOST": CHANGED_RDS_HOST}
    assert running.image == deployment.pipeline_image
    assert (running.cpu, running.memory) == ("512", "1024")


def test_after_a_circuit_breaker_rollback_the_change_set_names_the_service_change(deployment):
    good = deployment.running()
    # The pipeline deploys a commit whose tasks never become healthy; the circuit breaker
    # puts the service back on the last good revision. The failed one stays the latest.
    deployment.pipeline_deploy(f"{deployment.repository_url()}:{FAILED_TAG}")
    deployment.ecs().update_service(
        cluster=deployment.namer.name("cluster"), service=deployment.namer.name("api"), taskDefinition=good.arn
    )
    assert deployment.running() == good

    backend = deployment.plan("backend", "circuit-breaker")

    (service,) = backend.changes
    assert (service.type, service.action, service.changed) == ("aws_ecs_service", MODIFY, ("task_definition",))
    assert backend.notes and service.logical_id in backend.notes[0]
    assert backend.notes[0] in changeset.render(backend)
    print("\n" + changeset.render(backend))

    # The remedy a console rollback is: a new revision of the good image, which is then the
    # latest; the plan is empty again.
    deployment.pipeline_deploy(good.image)
    assert deployment.plan("backend", "console-rollback").changes == ()
    running = deployment.record("6 failed deploy rolled back, then a console rollback")
    assert running.image == deployment.pipeline_image


def test_a_saved_plan_made_before_a_pipeline_deployment_is_refused(deployment):
    """Plan at 09:00 with image v1, the pipeline deploys v2 at 10:00, the plan is applied at
    14:00: applying it would register v1 again and roll the service back. `make apply`
    refuses it ("plan again"); planned again, the apply keeps the pipeline's image."""
    deployment.synthesize(changed(deployment.config, **{"fargate.cpu": 1024, "fargate.memory": 2048}))
    plan_file = deployment.root / "plans" / "backend-local.tfplan"
    assert deployment.run_engine("backend", engine.save_plan, QUIET, plan_file).code == exit_codes.CHANGES

    newer = f"{deployment.repository_url()}:{NEWER_TAG}"
    deployment.pipeline_deploy(newer)  # between the review and the apply

    refused = deployment.run_engine("backend", engine.apply_saved_plan, plan_file, QUIET)

    assert refused.code == exit_codes.ERROR
    assert (
        "the pipeline deployed since this plan was made; applying it would roll the running image back"
        in refused.output
    )
    assert f"its latest revision runs {newer} now" in refused.output
    assert "Plan again (make plan STACK=backend-local); nothing was applied" in refused.output
    assert deployment.running().image == newer

    assert deployment.run_engine("backend", engine.save_plan, QUIET, plan_file).code == exit_codes.CHANGES
    applied = deployment.run_engine("backend", engine.apply_saved_plan, plan_file, QUIET)
    assert applied.code == exit_codes.OK, applied.output
    running = deployment.record("7 a plan older than a pipeline deploy: refused, planned again, applied")
    assert (running.cpu, running.memory, running.image) == ("1024", "2048", newer)
