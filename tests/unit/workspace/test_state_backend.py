"""Each backend choice writes the right `terraform` block and a matching remote-state reader."""

from tests.configs import LAYERS
from tests.synth import data_sources


def reader(stack: dict) -> dict:
    (remote,) = data_sources(stack, "terraform_remote_state").values()
    return remote


def test_local_backend_and_reader_share_the_state_directory(synthesized):
    assert synthesized["parent-local"]["terraform"]["backend"] == {
        "local": {"path": "../../../state/local/parent-local.tfstate"}
    }
    assert synthesized["backend-local"]["terraform"]["backend"] == {
        "local": {"path": "../../../state/local/backend-local.tfstate"}
    }
    assert reader(synthesized["backend-local"]) == {
        **{k: v for k, v in reader(synthesized["backend-local"]).items() if k == "//"},
        "backend": "local",
        "config": {"path": "../../../state/local/parent-local.tfstate"},
    }


def test_s3_backend_encrypts_locks_and_keys_per_workspace(synthesized):
    for layer in LAYERS:
        backend = synthesized[f"{layer}-prod"]["terraform"]["backend"]["s3"]
        assert backend == {
            "bucket": "dailydesk-terraform-state-444455556666",
            "key": f"dailydesk/prod/{layer}.tfstate",
            "region": "us-east-1",
            "encrypt": True,
            "kms_key_id": "alias/dailydesk-terraform-state",
            "use_lockfile": True,
        }
    remote = reader(synthesized["backend-prod"])
    assert remote["backend"] == "s3"
    assert remote["config"] == {
        "bucket": "dailydesk-terraform-state-444455556666",
        "key": "dailydesk/prod/parent.tfstate",
        "region": "us-east-1",
        "encrypt": True,
    }


def test_cloud_backend_uses_one_workspace_per_stack(synthesized):
    for layer in LAYERS:
        cloud = synthesized[f"{layer}-dev"]["terraform"]["cloud"]
        assert cloud == {
            "hostname": "app.terraform.io",
            "organization": "dailydesk",
            "workspaces": {"name": f"dailydesk-{layer}-dev"},
        }
    remote = reader(synthesized["frontend-dev"])
    assert remote["backend"] == "remote"
    assert remote["config"] == {
        "hostname": "app.terraform.io",
        "organization": "dailydesk",
        "workspaces": {"name": "dailydesk-parent-dev"},
    }
