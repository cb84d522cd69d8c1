"""The exit codes of every operator command (`./dailydesk <command>`, tools/cli.py), defined
once; README.md lists them. A command uses the rows that apply to it."""

from __future__ import annotations

OK = 0  # success: applied, nothing to change, nothing found
ERROR = 1  # could not run, or an error before anything was applied (config, credentials, preflight, lock, stale plan)
CHANGES = 2  # plan / diff / changeset: there are changes
FOUND = CHANGES  # drift, check-api-keys, preflight, policy-scan: something was found (drift, a key that
# differs, a missing item, a finding); the same code, as `terraform plan -detailed-exitcode` uses 2
BLOCKED = 3  # the guard blocked the plan (a stateful resource removed or replaced without ALLOW=)
# the apply failed or was cancelled, or was not verified (the service's rollout, a rollback trigger:
# tools/deploy/watch.py), and the rollback completed (ROLLBACK_COMPLETE)
ROLLED_BACK = 4
ROLLBACK_FAILED = 5  # the apply failed or was cancelled, and the rollback failed (ROLLBACK_FAILED)
LEFT_AS_IS = 6  # the apply failed or was cancelled, and was left as is (ROLLBACK=false, or a second Ctrl-C)
APPLIED_UNRECORDED = 7  # applied, but the last good configuration could not be recorded (deploy again to record it)
CANNOT_CHECK = 8  # drift, check-api-keys: some items could not be checked (e.g. a key the role may not read)

MEANING = {
    OK: "success (applied, no changes, nothing found)",
    ERROR: "could not run, or an error before anything was applied",
    CHANGES: "changes (plan, diff, changeset) or found (drift, keys differ, preflight items missing, findings)",
    BLOCKED: "blocked by the guard",
    ROLLED_BACK: "apply failed, cancelled or not verified (rollout, rollback trigger), rolled back (ROLLBACK_COMPLETE)",
    ROLLBACK_FAILED: "apply failed or cancelled, rollback failed (ROLLBACK_FAILED)",
    LEFT_AS_IS: "apply failed or cancelled, left as is (ROLLBACK=false or a second Ctrl-C)",
    APPLIED_UNRECORDED: "applied, but the last good configuration was not recorded (deploy again to record it)",
    CANNOT_CHECK: "some items could not be checked (drift, check-api-keys), nothing found in the rest",
}

# When several workspaces run (deploy-local), the command exits with the worst outcome.
SEVERITY = (OK, CANNOT_CHECK, CHANGES, APPLIED_UNRECORDED, ROLLED_BACK, LEFT_AS_IS, BLOCKED, ERROR, ROLLBACK_FAILED)


def worst(codes: list[int]) -> int:
    return max(codes, key=SEVERITY.index, default=OK)
