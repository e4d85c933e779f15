#!/usr/bin/env bash
# Renders one stack's scripts in two trees (the pull request's base and the pull request) and
# writes `diff -ru` of the two renders, so a reviewer reads the exact iPXE lines that change.
# Each tree needs its own `npm ci`; a stack missing from a tree renders as an empty folder.
# Usage: render-diff.sh <base-tree> <pr-tree> <stack> <out-file>
set -euo pipefail
base=$(cd "$1" && pwd)
pr=$(cd "$2" && pwd)
stack=$3
out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

render() { # <tree> <label>
  mkdir -p "$work/$2"
  [[ -f "$1/Pulumi.$stack.yaml" ]] || return 0
  # The tree's own CLI, so each side renders exactly as that commit would.
  (cd "$1" && node_modules/.bin/tsx cli/main.ts render --stack "$stack" --out "$work/$2/$stack" --project-dir .) >/dev/null
}
render "$base" base
render "$pr" pr

# diff exits 1 when the renders differ: that is the result, not an error. File times are noise.
status=0
(cd "$work" && diff -ru base pr) >"$work/diff" || status=$?
sed -E 's/^(---|\+\+\+) ([^\t]+)\t.*$/\1 \2/' "$work/diff" >"$out"
if ((status > 1)); then
  echo "render-diff: diff failed (exit $status)" >&2
  exit "$status"
fi
