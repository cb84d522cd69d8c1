"""The exit codes of the deploy commands (make deploy / plan / apply / rollback / diff /
changeset / deploy-local / destroy-local), defined once; README.md lists them."""

from __future__ import annotations

OK = 0  # success, or nothing to change
ERROR = 1  # an error before anything was applied (config, credentials, preflight, lock, stale plan, plan error)
CHANGES = 2  # plan / diff / changeset: there are changes
BLOCKED = 3  # the guard blocked the plan (a stateful resource removed or replaced without ALLOW=)
ROLLED_BACK = 4  # the apply failed or was cancelled, and the rollback completed (ROLLBACK_COMPLETE)
ROLLBACK_FAILED = 5  # the apply failed or was cancelled, and the rollback failed (ROLLBACK_FAILED)
LEFT_AS_IS = 6  # the apply failed or was cancelled, and was left as is (ROLLBACK=false, or a second Ctrl-C)

MEANING = {
    OK: "success (or no changes)",
    ERROR: "error before anything was applied",
    CHANGES: "changes (plan / diff / changeset)",
    BLOCKED: "blocked by the guard",
    ROLLED_BACK: "apply failed or cancelled, rolled back (ROLLBACK_COMPLETE)",
    ROLLBACK_FAILED: "apply failed or cancelled, rollback failed (ROLLBACK_FAILED)",
    LEFT_AS_IS: "apply failed or cancelled, left as is (ROLLBACK=false or a second Ctrl-C)",
}

# When several workspaces run (deploy-local), the command exits with the worst outcome.
SEVERITY = (OK, CHANGES, ROLLED_BACK, LEFT_AS_IS, BLOCKED, ERROR, ROLLBACK_FAILED)


def worst(codes: list[int]) -> int:
    return max(codes, key=SEVERITY.index, default=OK)
