"""The deploy engine: CloudFormation's change sets, guard, automatic rollback and cancel for
one Terraform workspace at a time (engine), and its parts: the Terraform steps (steps), a
stack directory and its files (workspace), the rollback (rollback), the last good
configuration (last_good), the timeout (timeout), progress lines (progress) and the exit
codes every command shares (exit_codes)."""
