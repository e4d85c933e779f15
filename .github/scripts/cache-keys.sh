#!/usr/bin/env bash
# Cache keys the workflows cannot get from hashFiles() alone, as GITHUB_OUTPUT lines:
#   trust=      the CA files a compiled iPXE may embed: Amazon's roots from the system (the
#               default trust, docs/images.md) and every CA file in the repository
#   artifacts=  the sha256 of every artefact of every stack (a changed artefact, a new key)
set -euo pipefail
cd "$(dirname "$0")/../.."
digest() { sha256sum | cut -c1-16; }
{
  cat /usr/share/ca-certificates/mozilla/Amazon_Root_CA_*.crt 2>/dev/null || true
  find . \( -name node_modules -o -name .cache -o -name .git \) -prune -o \( -name '*.pem' -o -name '*.crt' \) -type f -print0 |
    sort -z | xargs -0 -r cat
} | digest | sed 's/^/trust=/'
grep -hE '^ +(deb)?[sS]ha256: [0-9a-f]{64}$' Pulumi.*.yaml | tr -d ' ' | sort -u | digest | sed 's/^/artifacts=/'
