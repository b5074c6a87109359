#!/usr/bin/env bash
# Builds dist/carpd, one self-contained binary, with `deno compile` and the
# permission flags the tests run with (scripts/lib/permissions).
#
# deno compile needs Deno's runtime (denort) for the target, which it
# downloads from dl.deno.land unless DENORT_BIN points at one. Where neither
# works, this says so and exits 1, leaving no half-built file behind.
#
#   scripts/build.sh [--target x86_64-unknown-linux-gnu|aarch64-unknown-linux-gnu]
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
ensure_deno
ensure_npm_cache

target=()
if [ "${1:-}" = "--target" ]; then target=(--target "${2:?a target triple}"); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "deno compile ${CARPD_PERMISSIONS[*]} ${target[*]} main.ts -> dist/carpd"
if ! "$DENO" compile "${CARPD_PERMISSIONS[@]}" "${target[@]}" --output "$work/carpd" main.ts >"$work/log" 2>&1; then
  cat "$work/log" >&2
  if grep -qE "dl\.deno\.land|denort|error sending request" "$work/log"; then
    say ""
    say "scripts/build.sh: cannot build dist/carpd here: deno compile needs Deno's"
    say "runtime (denort $("$DENO" --version | head -n1 | cut -d' ' -f2)) and could not download it from dl.deno.land."
    say "Either run this script on a machine that can reach dl.deno.land (the binary"
    say "runs on any Linux of the same architecture), or set DENORT_BIN to a denort"
    say "binary of the same version. Meanwhile scripts/install.sh installs carpd"
    say "from source, with the same permission flags."
  fi
  exit 1
fi
if ! "$work/carpd" --version >/dev/null 2>&1; then
  die "the compiled binary does not run; dist/carpd left unchanged"
fi
mkdir -p dist
mv -f "$work/carpd" dist/carpd
say "built dist/carpd ($(du -h dist/carpd | cut -f1)): $(dist/carpd --version)"
