#!/usr/bin/env bash
# A LAN in network namespaces: a switch (a bridge in its own namespace),
# hosts with one interface "eth0" each, and a client.
#
#   scripts/lab.sh up [N]      create N hosts (default 3) and the client
#   scripts/lab.sh down        delete everything
#   scripts/lab.sh cut HOST    unplug a host's cable (link down at the switch)
#   scripts/lab.sh plug HOST   plug it back
#   scripts/lab.sh split H..   isolate these hosts from each other (they still
#                              reach the client): a partition for split brain
#   scripts/lab.sh heal        undo split
#   scripts/lab.sh unlink HOST delete the host's eth0 (and its switch port)
#   scripts/lab.sh relink HOST create it again: same name and address, a new
#                              index and MAC (what ifreload or netplan do)
#
# Names start with $LAB (default "carplab"): $LAB-sw, $LAB-h1.., $LAB-cl.
# Addresses are private and exist only inside these namespaces:
# hosts 10.213.0.1N/24 and fd13:213::1N/64, client 10.213.0.100/24 and
# fd13:213::100/64, and each its link-local. Nothing is routed out.
set -euo pipefail
LAB=${LAB:-carplab}
NET=${LAB_NET:-10.213.0}
NET6=${LAB_NET6:-fd13:213:}

ns() { ip netns exec "$@"; }

host_names() {
  ip netns list | awk '{print $1}' | grep -E "^${LAB}-(h[0-9]+|cl)$" || true
}

down() {
  local n
  for n in $(host_names) "$LAB-sw"; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
}

cable() { # cable NAMESPACE PORT ADDRESS ADDRESS6: eth0 in the host, PORT on the switch
  local host=$1 port=$2 addr=$3 addr6=$4
  ip link add "$port" netns "$LAB-sw" type veth peer name eth0 netns "$host"
  ns "$LAB-sw" ip link set "$port" master br0 up
  ns "$host" ip addr add "$addr/24" dev eth0
  # The static ULA skips DAD (the lab knows it is unique); the link-local
  # the kernel makes goes through DAD as on any LAN.
  ns "$host" ip addr add "$addr6/64" dev eth0 nodad
  ns "$host" ip link set eth0 up
}

attach() { # attach NAMESPACE PORT ADDRESS ADDRESS6
  local host=$1 port=$2 addr=$3 addr6=$4
  ip netns add "$host"
  ns "$host" ip link set lo up
  # Answer ARP only for addresses on the asking interface, as a router would.
  ns "$host" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
  ns "$host" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
  cable "$host" "$port" "$addr" "$addr6"
}

host_number() { # host_number h2 -> 2
  local n=${1#h}
  [[ $n =~ ^[0-9]+$ ]] || { echo "not a host: $1" >&2; exit 64; }
  echo "$n"
}

up() {
  local count=${1:-3} i
  down
  ip netns add "$LAB-sw"
  ns "$LAB-sw" ip link add br0 type bridge
  ns "$LAB-sw" ip link set br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
  ns "$LAB-sw" ip link set br0 up
  for i in $(seq 1 "$count"); do
    attach "$LAB-h$i" "h$i" "$NET.1$i" "$NET6:1$i"
  done
  attach "$LAB-cl" cl "$NET.100" "$NET6:100"
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  cut) ns "$LAB-sw" ip link set "${2:?host, such as h1}" down ;;
  plug) ns "$LAB-sw" ip link set "${2:?host, such as h1}" up ;;
  split)
    shift
    for h in "$@"; do ns "$LAB-sw" bridge link set dev "$h" isolated on; done
    ;;
  heal)
    for h in $(ns "$LAB-sw" ls /sys/class/net/br0/brif); do
      ns "$LAB-sw" bridge link set dev "$h" isolated off
    done
    ;;
  unlink) ns "$LAB-${2:?host, such as h1}" ip link del eth0 ;;
  relink)
    n=$(host_number "${2:?host, such as h1}")
    cable "$LAB-$2" "$2" "$NET.1$n" "$NET6:1$n"
    ;;
  *) sed -n '2,19p' "$0"; exit 64 ;;
esac
