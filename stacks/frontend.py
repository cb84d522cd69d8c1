"""`frontend-<env>`: the daily-desk-frontend-ci-pipeline over the external hosting."""

from __future__ import annotations

from constructs import Construct

from config.schema import EnvironmentConfig
from constructs_lib.parent_contract import ParentOutputs
from stacks.workspace import Workspace


class FrontendStack(Workspace):
    layer = "frontend"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        self.parent = ParentOutputs(self, "parent", config=config, namer=self.namer)
