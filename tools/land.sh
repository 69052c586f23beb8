#!/usr/bin/env bash
# Lands the current branch of a worktree onto main: rebase on main, compile everything, run the
# given tests (optional), then fast-forward main. Serialised with a lock so two helpers never race.
# Usage (from your worktree root, everything committed):  tools/land.sh [-Dtest=Pattern ...]
set -euo pipefail
top=$(git rev-parse --show-toplevel)
cd "$top"
branch=$(git rev-parse --abbrev-ref HEAD)
[ "$branch" != main ] || { echo "land.sh: run it from your own worktree branch, not main" >&2; exit 2; }
[ -z "$(git status --porcelain)" ] || { echo "land.sh: commit your changes first" >&2; exit 2; }
exec 9>/tmp/cinnabar-land.lock
flock 9
git rebase main || { echo "land.sh: rebase conflict: resolve (git status), git rebase --continue, then rerun" >&2; exit 1; }
mvn -q -o -B -DskipTests package 2>&1 | tail -40
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "land.sh: build failed after rebase; fix and rerun" >&2; exit 1; fi
if [ $# -gt 0 ]; then
  mvn -q -o -B test -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | tail -60
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "land.sh: tests failed after rebase; fix and rerun" >&2; exit 1; fi
fi
main_dir=$(git worktree list --porcelain | awk '/^worktree /{w=$2} /^branch refs\/heads\/main$/{print w}')
git -C "$main_dir" merge --ff-only "$branch"
echo "land.sh: main is now $(git rev-parse --short main)"
