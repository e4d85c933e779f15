#!/usr/bin/env bash
# The pull-request comment for one stack: the diff of the rendered scripts and `pulumi preview`,
# in one sticky comment (the marker on the first line finds it again). GitHub refuses comments
# over 65,536 characters, so each part is cut to fit and says so.
# Usage: comment-body.sh <stack> <render-diff-file> <preview-output-file>   (a missing file = not run)
set -euo pipefail
stack=$1
diff_file=$2
preview_file=$3
limit=30000

part() { # <file> <lang> <empty-text>
  if [[ ! -f "$1" ]]; then
    echo "_not available: the job that makes it did not finish (see the workflow run)_"
  elif [[ ! -s "$1" ]]; then
    echo "$3"
  else
    echo "~~~$2"
    head -c "$limit" "$1" | sed 's/^~~~/ ~~~/'
    echo
    echo "~~~"
    if (($(wc -c <"$1") > limit)); then echo "_cut at $limit characters: the full text is in the workflow run's artifacts_"; fi
  fi
}

echo "<!-- boot-stack:$stack -->"
echo "## Stack \`$stack\`"
echo
echo "### Rendered scripts (base → this pull request)"
part "$diff_file" diff "No script changes."
echo
echo "### pulumi preview"
part "$preview_file" text "_empty output_"
