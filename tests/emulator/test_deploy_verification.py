"""A deploy completes only when the service runs it and the rollback triggers stay quiet
(tools/deploy/watch.py), through the deploy engine's own entry points, against the emulator.

One deployment of `parent-local` and `backend-local` (deploy-local's code path: the engine
waits for the service's rollout and watches the API's two alarms for `local`'s 15 s window)
serves the steps in file order; a backend deploy costs minutes of fixed provider waits. The
pipeline then deploys its image (boto3, as CodePipeline's ECS action does). Then:

1. a parent-only deploy neither waits for a rollout nor watches an alarm;
2. a size change whose revision fails its rollout (the emulator's fault switch; ECS's circuit
   breaker puts the previous revision back) -> UPDATE_FAILED naming the deployment, the
   rollback, ROLLBACK_COMPLETE (exit 4); the service and the state run the previous shape with
   the pipeline's image again;
3. the same change as a saved plan (make plan, make apply), a rollback trigger set to ALARM
   right after the service update -> UPDATE_FAILED naming the alarm, its reason and when it
   went off, ROLLBACK_COMPLETE;
4. a trigger alarm that does not exist refuses the deploy before anything is applied (exit 1).

After each failure the last good record says what the last verified deploy wrote (its configuration
and commit), tied to the state the rollback left.
"""

from __future__ import annotations

import io
import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import load_environment
from config.schema import EnvironmentConfig
from tests.configs import changed
from tests.emulator import pipeline_deploy
from tests.engine.fixtures import final_status
from tools import local_environment
from tools.aws import emulator_client
from tools.deploy import engine, exit_codes
from tools.deploy.engine import Options
from tools.deploy.progress import Progress
from tools.deploy.steps import Context
from tools.deploy.workspace import Workspace
from tools.emulator import faults
from workspace import alarms as kinds
from workspace.naming import Namer

pytestmark = pytest.mark.emulator

QUIET = Options(show_changeset=False)
PIPELINE_TAG = "5e1f0c2"
SIZE = {"fargate.cpu": 512, "fargate.memory": 1024}
BREACHED = "Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (5.0)"


@dataclass
class Deployed:
    config: EnvironmentConfig
    root: Path
    output: str
    pipeline_image: str = ""

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    @property
    def namer(self) -> Namer:
        return Namer(self.config.project, self.config.name)

    def client(self, service: str):
        assert self.config.emulator is not None
        return emulator_client(service, self.config.emulator.endpoint, self.config.region)

    def workspace(self, layer: str, config: EnvironmentConfig) -> Workspace:
        """`layer`'s stack directory with `config` synthesized into it (state stays where it is)."""
        from cdktf import App

        from stacks.app import STACKS

        scratch = self.root / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        app = App(outdir=str(scratch))
        STACKS[layer](app, config)
        app.synth()
        workspace = Workspace.of(config, layer, self.outdir)
        shutil.copy(scratch / "stacks" / self.namer.stack(layer) / "cdk.tf.json", workspace.directory)
        return workspace

    def last_good(self, layer: str) -> str:
        return self.state_file(layer).with_name(f"{self.namer.stack(layer)}.last-good.json").read_text()

    def recorded(self, layer: str) -> dict:
        """What the last good record says (configuration, commit, when), without the state
        version it is tied to: a ROLLBACK_COMPLETE ties it to the state the rollback left
        (tools/deploy/last_good.py), which must be exactly the state file's now."""
        record = json.loads(self.last_good(layer))
        state = json.loads(self.state_file(layer).read_text())
        assert record.pop("state") == {"lineage": state["lineage"], "serial": state["serial"]}
        return record

    def state_file(self, layer: str) -> Path:
        return local_environment.state_file(self.config, self.outdir, layer)

    def service(self) -> dict:
        ecs = self.client("ecs")
        return ecs.describe_services(cluster=self.namer.name("cluster"), services=[self.namer.name("api")])["services"][
            0
        ]

    def running(self) -> tuple[str, str, str, str]:
        """(revision, cpu, memory, image) of what the service runs."""
        definition = self.client("ecs").describe_task_definition(taskDefinition=self.service()["taskDefinition"])
        definition = definition["taskDefinition"]
        (container,) = definition["containerDefinitions"]
        return (
            definition["taskDefinitionArn"].rsplit("/", 1)[1],
            definition["cpu"],
            definition["memory"],
            container["image"],
        )

    def service_in_state(self) -> str:
        state = json.loads(self.state_file("backend").read_text())
        (service,) = [r for r in state["resources"] if r["type"] == "aws_ecs_service" and r["mode"] == "managed"]
        return service["instances"][0]["attributes"]["task_definition"]

    def alarm(self, purpose: str) -> str:
        return kinds.alarm_name(self.namer, purpose)

    def run(self, step: Callable[..., int], workspace: Workspace, *args: object) -> tuple[int, str]:
        """One engine entry point with its progress kept: (exit code, what it printed)."""
        stream = io.StringIO()
        context = Context(progress=Progress(stream, live=False, log_dir=self.root / ".deploy-logs"))
        code = step(workspace, context, *args)
        context.progress.close()
        print(stream.getvalue())  # the engine's own words, shown by pytest -s and on failure
        return code, stream.getvalue()


@pytest.fixture(scope="module")
def deployed(emulator_endpoint, tmp_path_factory) -> Deployed:
    config = load_environment("local")
    assert config.emulator is not None and config.emulator.endpoint == emulator_endpoint
    root = tmp_path_factory.mktemp("verified")
    stream = io.StringIO()
    context = Context(progress=Progress(stream, live=False, log_dir=root / ".deploy-logs"))
    code = local_environment.deploy(config, root / "cdktf.out", ("parent", "backend"), context=context)
    print(stream.getvalue())
    assert code == exit_codes.OK
    deployed = Deployed(config, root, stream.getvalue())
    repository = json.loads(deployed.state_file("backend").read_text())["outputs"]["ecr_repository_url"]["value"]
    deployed.pipeline_image = f"{repository}:{PIPELINE_TAG}"
    pipeline_deploy(
        deployed.client("ecs"), deployed.namer.name("cluster"), deployed.namer.name("api"), deployed.pipeline_image
    )
    return deployed


@pytest.fixture(autouse=True)
def no_faults_left(emulator_endpoint):
    yield
    faults.clear_faults(emulator_endpoint)


def test_deploy_local_waited_for_the_rollout_and_the_window_before_recording(deployed):
    lines = deployed.output.splitlines()
    rollout = next(i for i, line in enumerate(lines) if line.startswith("backend-local: service rollout COMPLETED in"))
    window = lines.index("backend-local: watching 2 alarms for 15 s: OK")
    recorded = next(i for i, line in enumerate(lines) if line.startswith("CREATE_COMPLETE backend-local"))
    assert rollout < window < recorded
    assert not [line for line in lines if line.startswith("parent-local:")]


def test_a_parent_only_deploy_does_not_wait(deployed):
    workspace = deployed.workspace("parent", changed(deployed.config, **{"admin.email": "ops+local@dailydesk.com"}))

    code, output = deployed.run(engine.deploy, workspace, QUIET)

    assert code == exit_codes.OK
    assert "UPDATE_COMPLETE parent-local" in output
    assert "rollout" not in output and "watching" not in output and "alarm" not in output


def test_a_revision_whose_rollout_fails_is_rolled_back(deployed, emulator_endpoint):
    before, last_good = deployed.running(), deployed.recorded("backend")
    assert before[3] == deployed.pipeline_image
    family, revision = before[0].split(":")
    failing = f"{family}:{int(revision) + 1}"  # the revision the size change registers
    faults.set_faults(emulator_endpoint, {"action": "UpdateService", "rollout_fails": failing})

    code, output = deployed.run(engine.deploy, deployed.workspace("backend", changed(deployed.config, **SIZE)), QUIET)

    assert code == exit_codes.ROLLED_BACK
    (failed,) = [line for line in output.splitlines() if line.startswith("UPDATE_FAILED")]
    assert failed.startswith("UPDATE_FAILED aws_ecs_service.")
    assert "(backend-local/" in failed and ": deployment ecs-svc/" in failed
    assert failed.endswith(" FAILED: ECS deployment circuit breaker: tasks failed to start.")
    assert final_status(output).startswith("ROLLBACK_COMPLETE backend-local")
    assert deployed.recorded("backend") == last_good
    # ECS and the state agree again: the previous shape with the pipeline's image (Terraform
    # registers it again as the family's newest revision, as any replacement does).
    after = deployed.running()
    assert after[1:] == before[1:]
    assert deployed.service_in_state() == deployed.service()["taskDefinition"]
    assert after[0] != failing


def test_a_trigger_going_off_after_the_service_update_rolls_back_a_saved_plan(deployed):
    last_good = deployed.recorded("backend")
    before = deployed.service()["taskDefinition"]
    alarm = deployed.alarm(kinds.HTTP_5XX_RATE.purpose())
    cloudwatch = deployed.client("cloudwatch")
    updated = threading.Event()

    def set_off_after_the_update() -> None:
        while not updated.wait(0.5):
            if deployed.service()["taskDefinition"] != before:
                cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason=BREACHED)
                updated.set()

    workspace = deployed.workspace("backend", changed(deployed.config, **SIZE))
    plan_file = deployed.root / "size.tfplan"
    reviewing = Context(progress=Progress(io.StringIO(), live=False, log_dir=deployed.root / ".deploy-logs"))
    planned, _ = engine.plan_for_review(workspace, reviewing, QUIET, plan_file)
    assert planned == exit_codes.CHANGES
    watcher = threading.Thread(target=set_off_after_the_update, daemon=True)
    watcher.start()
    try:
        code, output = deployed.run(engine.apply_saved_plan, workspace, plan_file, QUIET)
    finally:
        updated.set()
        watcher.join()
    try:
        assert code == exit_codes.ROLLED_BACK
        (failed,) = [line for line in output.splitlines() if line.startswith("UPDATE_FAILED")]
        assert failed.startswith(f"UPDATE_FAILED backend-local: rollback trigger {alarm} went to ALARM at 20")
        assert failed.endswith(f"): {BREACHED}")
        # The rollout itself was fine: caught during it or in the window, the alarm is the failure.
        assert "FAILED: ECS deployment" not in output
        assert final_status(output).startswith("ROLLBACK_COMPLETE backend-local")
        assert deployed.recorded("backend") == last_good
        assert deployed.running()[1:] == (str(deployed.config.fargate.cpu), str(deployed.config.fargate.memory),
                                          deployed.pipeline_image)  # fmt: skip
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test over")


def test_a_missing_trigger_alarm_is_refused_before_anything_is_applied(deployed):
    state, last_good = deployed.state_file("backend").read_bytes(), deployed.last_good("backend")
    config = changed(deployed.config, **SIZE, **{"deploy.rollback_alarms": ["http-5xx-rate", "redis-memory/003"]})

    code, output = deployed.run(engine.deploy, deployed.workspace("backend", config), QUIET)

    assert code == exit_codes.ERROR
    missing = deployed.alarm(kinds.REDIS_MEMORY.purpose("003"))
    assert f"error: backend-local: rollback trigger alarm(s) {missing} do not exist" in output
    assert "nothing was applied" in output
    assert not [line for line in output.splitlines() if line.split()[1:2] == ["apply"]]
    assert deployed.state_file("backend").read_bytes() == state
    assert deployed.last_good("backend") == last_good
