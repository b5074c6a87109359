#!/usr/bin/env bash
# carpd against Debian's ucarp and keepalived, same lab, same run; prints
# medians and ratios. Needs root. Not part of the pass/fail of the tests.
#
#   scripts/bench.sh [--quick] [--json] [--scenario unplanned|fast|planned|standby|health|firewall|floor|footprint]...
. "$(dirname "$0")/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "scripts/bench.sh builds network namespaces: run it as root"
ensure_deno
ensure_packages
ensure_npm_cache
systemctl stop keepalived >/dev/null 2>&1 || true
exec "$DENO" run -A "$ROOT/scripts/bench/main.ts" "$@"
