#!/usr/bin/env bash
# The one test command: installs what it needs on a fresh Debian machine, then
# runs fmt, lint, type check, doc checks, unit and property tests, the
# simulator, the network-namespace integration tests (in parallel, each file
# in a lab of its own), fault tours on a real group, the demo and one bench
# scenario. Ends with
# "N passed, N failed, N skipped" over everything it ran.
#
# Under CI (CI=true) or as root nothing may be skipped quietly: a missing
# tool, or an integration test that did not run, is a failure naming why.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_deno
ensure_packages
ensure_npm_cache

passed=0
failed=0
skipped=0
failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
strict=false
if [ "${CI:-}" = "true" ] || [ "$(id -u)" -eq 0 ]; then strict=true; fi

fail_with() {
  failed=$((failed + 1))
  failures+=("$1")
  say "FAILED: $1"
}

# A check that passes or fails as one test.
gate() {
  local name=$1
  shift
  say "== $name"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    cat "$log" >&2
    fail_with "$name"
  fi
}

# A deno test run; its counts come from Deno's summary line. With
# "no-skips", a test Deno ignored is a failure (under CI or as root).
suite() {
  local name=$1 policy=$2
  shift 2
  say "== $name"
  "$DENO" test "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line p f i
  line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
  p=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$line")
  f=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$line")
  i=$(sed -nE 's/.*\| ([0-9]+) ignored.*/\1/p' <<<"$line")
  [[ $p =~ ^[0-9]+$ ]] || p=0
  [[ $f =~ ^[0-9]+$ ]] || f=0
  [[ $i =~ ^[0-9]+$ ]] || i=0
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then # crashed before a summary
    fail_with "$name: deno test exited $rc without a summary"
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$name: $f test(s)")
  if [ "$i" -gt 0 ] && [ "$policy" = "no-skips" ] && $strict; then
    fail_with "$name: $i test(s) skipped: $(grep -E ' \.\.\. ignored' "$log" | sed -E 's/ \.\.\. ignored.*//' | paste -sd';' -)"
  else
    skipped=$((skipped + i))
  fi
}

# A fault campaign (scripts/chaos.sh) that must exit with the code given
# (0: no violation; 1: violations, and a split among them). Its summary
# line is shown either way.
chaos() {
  local name=$1 want=$2
  shift 2
  say "== $name"
  "$ROOT/scripts/chaos.sh" "$@" >"$log" 2>&1
  local rc=$?
  tail -n 1 "$log"
  if [ "$rc" -ne "$want" ]; then
    cat "$log" >&2
    fail_with "$name (exit $rc, expected $want)"
  elif [ "$want" -eq 1 ] && ! grep -q "both held" "$log"; then
    cat "$log" >&2
    fail_with "$name (violations, but no two boxes holding a VIP)"
  else
    passed=$((passed + 1))
  fi
}

# What the namespace, interop and install tests need.
integration_missing() {
  local missing=() t
  [ "$(id -u)" -eq 0 ] || missing+=("root")
  for t in ip ucarp keepalived conntrackd conntrack tcpdump arping nsenter systemd-nspawn debootstrap systemd-analyze nft prometheus promtool curl lintian mandoc dpkg-deb; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  printf '%s\n' "${missing[*]:-}"
}

gate "deno fmt --check" "$DENO" fmt --check
gate "deno lint" "$DENO" lint
gate "deno check" "$DENO" check main.ts src/ ffi/ test/ scripts/
# surfaces runs `deno doc --json` on each mod.ts (hence --allow-run).
gate "structure: no import cycle (type-only ones too), src/ off ffi/libc.ts, files under 500 lines, mod.ts surfaces" \
  "$DENO" run --no-prompt --allow-read --allow-run scripts/lib/structure.ts \
  --only cycles,libc,sizes,surfaces
mapfile -t mods < <(find src -name mod.ts | sort)
gate "deno doc --lint (public modules)" "$DENO" doc --lint "${mods[@]}"
suite "doc examples (deno test --doc)" skips-ok --doc "${CARPD_PERMISSIONS[@]}" src/ ffi/
# Unit tests get the daemon's own permission flags; the namespace tests drive
# ip, tcpdump and /proc of other processes, which Deno grants only with -A.
suite "unit, property and simulator tests" skips-ok "${CARPD_PERMISSIONS[@]}" \
  test/carp test/vrrp test/fsm test/sim test/config test/cli test/import test/health test/hooks \
  test/control test/daemon test/systemd test/log_test.ts test/ffi test/wire \
  test/scripts

# The whole daemon in the simulator: fixed seeds, 24 simulated hours in all,
# with every fault kind (roll-outs and crash-edits included). A failing
# seed prints its violations, the fault schedule that led to them and each
# box's last log lines; scripts/simulate.sh --seed S --hours 2 replays it.
for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
  gate "scripts/simulate.sh --seed $seed --hours 2 --nodes 3" \
    "$ROOT/scripts/simulate.sh" --seed "$seed" --hours 2 --nodes 3
done
# The same with vhids 1 and 3 in one [[group]] on every box: its members are
# MASTER on one box whenever the network is whole (invariant 6).
for seed in 13 14 15 16 17 18; do
  gate "scripts/simulate.sh --seed $seed --hours 2 --nodes 3 --groups" \
    "$ROOT/scripts/simulate.sh" --seed "$seed" --hours 2 --nodes 3 --groups
done

missing=$(integration_missing)
if [ -n "$missing" ]; then
  if $strict; then
    fail_with "integration tests cannot run: missing $missing"
  else
    say "== network-namespace integration tests: not run (missing: $missing)"
    skipped=$((skipped + 1))
  fi
else
  # Files run two at a time, each in namespaces of its own, except those
  # that measure milliseconds or load the machine: they run alone after.
  alone=(election_test.ts shell_test.ts hostile_test.ts faults_test.ts vrrp_test.ts
    metrics_test.ts firewall_pair_test.ts)
  together=()
  for f in test/integration/*_test.ts; do
    [[ " ${alone[*]} " == *" $(basename "$f") "* ]] || together+=("$f")
  done
  DENO_JOBS=2 suite "network-namespace integration tests, two files at a time" \
    no-skips -A --no-prompt --parallel "${together[@]}"
  suite "network-namespace integration tests that time or load the machine, alone" \
    no-skips -A --no-prompt "${alone[@]/#/test/integration/}"
  # Every fault kind once on a real group of three in namespaces (carpd
  # alone, then with Debian's ucarp running vhid 1 on one box), who holds
  # each VIP sampled every 100 ms; and the campaign's own check: without the
  # roll-out window a VIP roll-out splits the group, and it must say so.
  chaos "scripts/chaos.sh --seed 1 --tour: every fault kind once on 3 carpd boxes, no violation" \
    0 --seed 1 --tour
  chaos "scripts/chaos.sh --seed 2 --tour --ucarp: every fault kind once, ucarp on one box, no violation" \
    0 --seed 2 --tour --ucarp
  chaos "scripts/chaos.sh --faults vip-reload --rollout-window 0: the campaign finds the split" \
    1 --seed 1 --tour --faults vip-reload --rollout-window 0
  # Keep the demo and the benchmark working (the bench's figures never fail a run).
  gate "scripts/demo.sh" "$ROOT/scripts/demo.sh"
  gate "scripts/bench.sh --quick --scenario planned" "$ROOT/scripts/bench.sh" --quick --scenario planned
fi

if [ "${#failures[@]}" -gt 0 ]; then
  say ""
  say "failures:"
  for f in "${failures[@]}"; do say "  $f"; done
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
