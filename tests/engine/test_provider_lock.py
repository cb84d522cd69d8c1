"""Provider checksums pinned for CI, and a rollback across a provider upgrade (issue 20,
section 6). The committed `.terraform.lock.hcl` (tools/terraform/lock.py) is copied into each
stack directory and the engine inits read-only, so a provider package whose checksum differs
fails init; a last good configuration recorded before a provider upgrade is rolled back with
the provider this checkout pins, and when its copy cannot init, the failure names the cause
and the commit to roll back with. hashicorp/aws comes from the filesystem mirror: these tests
install it (a checksum, ~1 s) but only the last one starts it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.engine.fixtures import FAIL, EngineFixture, Resource
from tools import synth
from tools.deploy import engine, exit_codes, last_good
from tools.deploy.engine import Options
from tools.deploy.steps import StepError, init
from tools.terraform import config as terraform_config
from tools.terraform import lock as provider_lock

QUIET = Options(show_changeset=False)
PROVIDER = terraform_config.PROVIDER
OLD_VERSION = "5.90.0"
CHECKSUM_ERROR = "doesn't match any of the checksums previously recorded in the dependency lock file"
REQUIRES_AWS = {"required_providers": {"aws": {"source": "aws", "version": terraform_config.PROVIDER_VERSION}}}


def tampered(tmp_path: Path) -> Path:
    """The committed lock file with its checksum changed."""
    text = provider_lock.PROVIDER_LOCK.read_text()
    changed = tmp_path / "tampered.lock.hcl"
    changed.write_text(text.replace('"h1:', '"h1:AAAA', 1))
    assert changed.read_text() != text
    return changed


def requiring_aws(fixture: EngineFixture, resources: dict[str, Resource], version: str) -> dict:
    document = fixture.document(resources)
    document["terraform"]["required_providers"] = {"aws": {"source": "aws", "version": version}}
    return document


def test_the_committed_lock_pins_the_provider_the_mirror_installs():
    assert provider_lock.locked_versions() == {PROVIDER: terraform_config.PROVIDER_VERSION}
    assert '"h1:' in provider_lock.PROVIDER_LOCK.read_text()


def test_a_stack_directory_gets_the_lock_and_inits_read_only(fixture):
    fixture.use({"a": Resource()}, terraform={**fixture.document({})["terraform"], **REQUIRES_AWS})
    context = fixture.context(io.StringIO())

    init(fixture.workspace, context)

    copied = fixture.directory / provider_lock.LOCK_FILE_NAME
    assert copied.read_text() == provider_lock.PROVIDER_LOCK.read_text()
    (log,) = fixture.log_dir.glob("*-init.log")
    assert f"init -no-color -input=false {provider_lock.READ_ONLY}" in log.read_text()


def test_a_tampered_checksum_fails_init(fixture, monkeypatch, tmp_path):
    fixture.use({"a": Resource()}, terraform={**fixture.document({})["terraform"], **REQUIRES_AWS})
    monkeypatch.setattr(provider_lock, "PROVIDER_LOCK", tampered(tmp_path))

    with pytest.raises(StepError, match="terraform init failed") as failed:
        init(fixture.workspace, fixture.context(io.StringIO()))

    assert CHECKSUM_ERROR in " ".join(str(failed.value).split())


def test_a_configuration_without_providers_gets_no_lock(fixture):
    leftover = fixture.directory / provider_lock.LOCK_FILE_NAME
    leftover.write_text(provider_lock.PROVIDER_LOCK.read_text())  # e.g. a rollback copy's, from before
    fixture.use({"a": Resource()})
    assert fixture.run(engine.deploy, QUIET).code == exit_codes.OK  # a read-only init with no lock
    assert not leftover.exists()


def test_the_synth_puts_the_lock_into_each_stack_directory(tmp_path):
    outdir = tmp_path / "cdktf.out"
    for stack in ("parent-local", "backend-local", "parent-prod"):
        (outdir / "stacks" / stack).mkdir(parents=True)
        (outdir / "stacks" / stack / "cdk.tf.json").write_text(json.dumps({"terraform": REQUIRES_AWS}))
    installed = synth.install_provider_lock(outdir, ["local"])
    assert [d.name for d in installed] == ["backend-local", "parent-local"]
    assert not (outdir / "stacks" / "parent-prod" / provider_lock.LOCK_FILE_NAME).exists()


def test_a_record_from_before_a_provider_upgrade_gets_the_pinned_provider():
    record = {"terraform": {"backend": {}, "required_providers": {"aws": {"source": "aws", "version": OLD_VERSION}}}}
    configuration, lines = provider_lock.with_locked_providers(record)
    version = terraform_config.PROVIDER_VERSION
    assert configuration["terraform"]["required_providers"]["aws"] == {"source": "aws", "version": version}
    assert configuration["terraform"]["backend"] == {}
    assert lines == [
        f"providers: the last good configuration requires {PROVIDER} {OLD_VERSION}; this checkout pins {version} "
        f"(.terraform.lock.hcl), which wrote the state since: the rollback runs with {version} (an older provider "
        "cannot read what a newer one wrote)"
    ]
    assert record["terraform"]["required_providers"]["aws"]["version"] == OLD_VERSION  # the record is kept
    assert provider_lock.with_locked_providers(configuration) == (configuration, [])


def recorded_before_the_upgrade(fixture: EngineFixture) -> None:
    """`a` deployed, its last good record made when the configuration required aws 5.90.0."""
    fixture.use({"a": Resource()})
    assert fixture.run(engine.deploy, QUIET).code == exit_codes.OK
    old = requiring_aws(fixture, {"a": Resource()}, OLD_VERSION)
    last_good.FileStore(fixture.record_file).write(last_good.new_record("parent-local", old, ("0123abcd" * 5, False)))
    fixture.use({"a": Resource(input="v2"), "b": Resource(provisioner=FAIL)})


def test_a_rollback_copy_that_cannot_init_names_the_cause_and_the_commit(fixture, monkeypatch, tmp_path):
    recorded_before_the_upgrade(fixture)
    monkeypatch.setattr(provider_lock, "PROVIDER_LOCK", tampered(tmp_path))

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLBACK_FAILED
    assert CHECKSUM_ERROR in " ".join(run.output.split())
    assert "cannot init with this checkout's providers" in run.output
    assert f"`git checkout {'0123abcd' * 5}`, `make setup`, `make rollback STACK=parent-local`" in run.output


def test_a_rollback_across_a_provider_upgrade_runs_with_the_pinned_provider(fixture):
    recorded_before_the_upgrade(fixture)

    run = fixture.run(engine.deploy, QUIET)

    assert run.code == exit_codes.ROLLED_BACK
    assert f"providers: the last good configuration requires {PROVIDER} {OLD_VERSION}; this checkout pins" in run.output
    assert fixture.inputs() == {"a": "v1"}
    copy = json.loads((fixture.workspace.rollback_directory / "cdk.tf.json").read_text())
    assert copy["terraform"]["required_providers"]["aws"]["version"] == terraform_config.PROVIDER_VERSION
