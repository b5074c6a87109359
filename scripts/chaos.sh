#!/usr/bin/env bash
# A randomized fault campaign on a real network: three boxes in network
# namespaces (two vhids, one on a macvlan sub-interface), faults drawn from
# the seed as the simulator draws them (cable cuts, link flaps, interfaces
# deleted and re-created, kill -9, SIGTERM, SIGSTOP stalls, reload storms,
# firewall drops, standby, floods of bad packets, loss, partitions, delays,
# roll-outs...), who holds each VIP sampled every 100 ms, and the
# simulator's invariants checked on the samples. Ends with one line:
# "campaign in M min on 3 boxes (...), seed S, faults F (K skipped), samples N,
# violations=V". --tour runs every fault kind once (about 2 minutes of faults).
# Needs root; cleans up, also on Ctrl-C.
#
#   scripts/chaos.sh --seed S --minutes M|--tour [--ucarp] [--faults all|KIND,...]
#                    [--rollout-window S] [--timeline FILE]
. "$(dirname "$0")/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "scripts/chaos.sh builds network namespaces: run it as root"
ensure_deno
ensure_npm_cache
exec "$DENO" run --no-prompt -A --cached-only "$ROOT/scripts/chaos/main.ts" "$@"
