#!/usr/bin/env bash
# The measurement behind docs/benchmark.md: a fresh clone of this repository at a commit, then
# setup, test-fast, deploy-local (empty emulator), deploy-local again, destroy-local and test,
# one after another. Each step's wall time, exit code and output line count go to <dir>.times,
# its output (not a terminal, as in CI) to <dir>.<step>.out. Run it on an idle machine, with
# nothing listening on the emulator's port 4566.
#   tools/benchmark.sh /tmp/bench-after HEAD
set -uo pipefail
dir=${1:?usage: tools/benchmark.sh <new directory> <commit>}
commit=${2:?usage: tools/benchmark.sh <new directory> <commit>}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$dir.times
[ -e "$dir" ] && { echo "$dir exists: give a new directory" >&2; exit 2; }
git clone -q "$repo" "$dir" && git -C "$dir" checkout -q "$commit" || exit 2
cd "$dir" || exit 2
step() {
    local name=$1 started ended code
    shift
    started=$(date +%s.%N)
    "$@" >"$dir.$name.out" 2>&1
    code=$?
    ended=$(date +%s.%N)
    printf '%s rc=%s wall=%.1f s lines=%s\n' "$name" "$code" "$(echo "$ended - $started" | bc)" \
        "$(wc -l <"$dir.$name.out")" >>"$log"
}
echo "commit $(git rev-parse --short HEAD) $(date -u +%FT%TZ)" >"$log"
step setup make setup
step test-fast make test-fast
step deploy-local make deploy-local
step deploy-local-again make deploy-local
step destroy-local make destroy-local
make emulator-stop >/dev/null 2>&1
step test make test
echo "done $(date -u +%FT%TZ)" >>"$log"
cat "$log"
