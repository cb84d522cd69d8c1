"""`terraform validate` accepts every synthesized stack (provider from the local mirror)."""

import shutil

import pytest

from tools import terraform

pytestmark = pytest.mark.plan

STACKS = [
    f"{layer}-{env}" for env in ("dev", "staging", "prod", "local") for layer in ("parent", "backend", "frontend")
]


@pytest.mark.parametrize("stack", STACKS)
def test_terraform_validate(synthesized, tmp_path, stack):
    directory = tmp_path / stack
    shutil.copytree(synthesized.stack_dir(stack), directory)
    terraform.init(directory, backend=False)
    result = terraform.validate(directory)
    assert result["valid"], result["diagnostics"]
    assert result["error_count"] == 0
