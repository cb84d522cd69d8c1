"""cdktf stacks: one per Terraform workspace; they compose constructs and nothing else."""

import constructs_lib as _constructs_lib  # noqa: F401  (installs the provider import shortcut first)
