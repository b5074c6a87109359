#!/usr/bin/env bash
# The one test command: installs what it needs on a fresh Debian machine, then
# runs fmt, lint, type check, unit and property tests, the simulator and the
# network-namespace integration tests. Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_deno
ensure_packages
ensure_npm_cache

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A check that passes or fails as one test.
gate() {
  local name=$1
  shift
  say "== $name"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    cat "$log" >&2
    say "FAILED: $name"
    failed=$((failed + 1))
  fi
}

# A deno test run; its counts are added up from Deno's summary line.
suite() {
  local name=$1
  shift
  say "== $name"
  "$DENO" test "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line p f
  line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
  p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")
  [[ $p =~ ^[0-9]+$ ]] || p=0
  [[ $f =~ ^[0-9]+$ ]] || f=0
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed before a summary
  passed=$((passed + p))
  failed=$((failed + f))
}

gate "deno fmt --check" "$DENO" fmt --check
gate "deno lint" "$DENO" lint
gate "deno check" "$DENO" check main.ts src/ ffi/ test/ scripts/
# Unit tests get the daemon's own permission flags; the namespace tests drive
# ip, tcpdump and /proc of other processes, which Deno grants only with -A.
suite "unit, property and simulator tests" "${CARPD_PERMISSIONS[@]}" test/carp test/fsm test/sim test/config test/cli test/health test/hooks test/control test/daemon test/log_test.ts test/ffi
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
  if [ -d test/integration ]; then
    suite "network-namespace integration tests" -A --no-prompt test/integration
  fi
else
  say "== network-namespace integration tests: not run (they need root and iproute2)"
fi

if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
  # Keep the demo and the benchmark working (the bench's figures never fail a run).
  gate "scripts/demo.sh" "$ROOT/scripts/demo.sh"
  gate "scripts/bench.sh --quick --scenario planned" "$ROOT/scripts/bench.sh" --quick --scenario planned
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
