#!/usr/bin/env bash
# The whole daemon in the deterministic simulator: N boxes on a simulated
# LAN, one virtual clock, a seeded fault schedule, invariants checked at
# every step. The same seed prints the same last line.
#   scripts/simulate.sh --seed 7 --hours 2 --nodes 3 [--faults all|KIND,...]
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
ensure_deno >/dev/null
exec "$DENO" run --no-prompt --allow-read --allow-env \
  --v8-flags=--max-semi-space-size=16 "$ROOT/test/sim/simulate.ts" "$@"
