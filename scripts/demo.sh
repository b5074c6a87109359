#!/usr/bin/env bash
# The demo: three carpd boxes and a client in network namespaces; failover
# on a cut cable, preemption back, planned handover. Needs root; installs
# what it needs; cleans up, also on Ctrl-C.
. "$(dirname "$0")/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "scripts/demo.sh builds network namespaces: run it as root"
ensure_deno
ensure_packages
ensure_npm_cache
exec "$DENO" run -A "$ROOT/scripts/demo.ts"
