#!/usr/bin/env bash
# Prints the iPXE source tree compile mode's tests use, or exits 1 saying why there is none.
# BOOT_STACK_IPXE_SRC wins when set. Otherwise the pinned upstream tarball of a shared vendor
# folder is used: `shared/vendor/ipxe/` beside the repository or beside one of its parents
# (../shared/vendor/ipxe from a clone in the workplace). It is checked against its SHA256SUMS,
# then unpacked once into the cache (BOOT_STACK_CACHE or .cache/), keyed by its sha256: never
# into the repository. The commit `git archive` recorded in it is written to the tree's COMMIT
# file, which compile mode compares with the pinned commit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "${BOOT_STACK_IPXE_SRC:-}" ]]; then
  echo "$BOOT_STACK_IPXE_SRC"
  exit 0
fi
vendor=""
for dir in "$(dirname "$root")" "$(dirname "$(dirname "$root")")" "$(dirname "$(dirname "$(dirname "$root")")")"; do
  if [[ -f "$dir/shared/vendor/ipxe/SHA256SUMS" ]]; then
    vendor="$dir/shared/vendor/ipxe"
    break
  fi
done
if [[ -z "$vendor" ]]; then
  echo "no iPXE source: set BOOT_STACK_IPXE_SRC, or put the pinned tarball and its SHA256SUMS in ../shared/vendor/ipxe/" >&2
  exit 1
fi
read -r sum tarball <"$vendor/SHA256SUMS"
if ! (cd "$vendor" && sha256sum --check --status SHA256SUMS); then
  echo "no iPXE source: $vendor/$tarball does not match its SHA256SUMS; fetch it again" >&2
  exit 1
fi
cache="${BOOT_STACK_CACHE:-$root/.cache}/ipxe/vendor"
dest="$cache/$sum"
if [[ ! -f "$dest/.complete" ]]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.unpack-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  tar -xJf "$vendor/$tarball" -C "$tmp"
  # git get-tar-commit-id stops reading after the header: xz's broken pipe is expected.
  commit="$(set +o pipefail; xz -dc "$vendor/$tarball" | git get-tar-commit-id || true)"
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] && echo "$commit" >"$tmp/ipxe/COMMIT"
  touch "$tmp/.complete"
  # Another run may have unpacked it meanwhile: then keep that one.
  mv -T "$tmp" "$dest" 2>/dev/null || [[ -f "$dest/.complete" ]]
fi
echo "$dest/ipxe"
