#!/usr/bin/env bash
# Prints carpd's failover times on the namespace lab (needs root).
. "$(dirname "$0")/lib/common.sh"
ensure_deno
ensure_packages
exec "$DENO" run -A "$ROOT/scripts/failover_times.ts"
