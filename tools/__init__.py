"""The operator commands behind one CLI (`./dailydesk <command>`, tools/cli.py): the deploy
engine (deploy/), Terraform as a plain CLI (terraform/), the one AWS client factory (aws.py),
the review and operations commands (changeset, preflight, drift, policy_scan, alarms,
api_keys, iam_policies, local_environment) and the emulator (emulator/)."""
