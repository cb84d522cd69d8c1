"""cdktf stacks: one per Terraform workspace; they compose constructs and nothing else."""

import workspace as _workspace  # noqa: F401  (installs the provider import shortcut first)
