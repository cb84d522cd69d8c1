"""The base every workspace stack shares: provider, state backend, standard tags."""

from __future__ import annotations

from cdktf import TerraformStack
from constructs import Construct

from config.schema import EnvironmentConfig
from workspace.naming import Namer
from workspace.providers import aws_provider
from workspace.state_backend import configure_backend


class Workspace(TerraformStack):
    """One Terraform workspace: the stack `<layer>-<env>` with its own state."""

    layer: str = ""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        namer = Namer(config.project, config.name)
        super().__init__(scope, namer.stack(self.layer))
        self.config = config
        self.namer = namer
        self.provider = aws_provider(self, config=config, tags=namer.tags(self.layer, config.tags))
        configure_backend(self, config, namer, self.layer)
