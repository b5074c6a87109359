/**
 * keepalived's keywords: which take a block, which a value, and for each one
 * carpd has no key for, why it is not carried over. Data only.
 * @module
 */

/**
 * How keepalived and carpd differ in sending gratuitous ARPs, for the notes
 * on every GARP setting carried over.
 */
export const GARP_DIFFERENCE =
  "keepalived sends garp_master_repeat gratuitous ARPs (or neighbour advertisements) at once and as many again garp_master_delay later, carpd sends garp_count of them garp_interval apart";

/** Keywords that always take a block. */
export const NEEDS_BLOCK: ReadonlySet<string> = new Set([
  "global_defs",
  "vrrp_script",
  "vrrp_instance",
  "vrrp_sync_group",
  "group",
  "virtual_ipaddress",
  "virtual_ipaddress_excluded",
  "authentication",
  "track_script",
  "track_interface",
  "unicast_peer",
  "virtual_server",
  "notification_email",
]);

/** vrrp_instance keywords this importer reads that take no block. */
export const INSTANCE_SCALARS: ReadonlySet<string> = new Set([
  "state",
  "interface",
  "virtual_router_id",
  "priority",
  "advert_int",
  "version",
  "nopreempt",
  "no_preempt",
  "preempt",
  "unicast_src_ip",
  "mcast_src_ip",
  "mcast_dst_ip",
  "garp_master_repeat",
  "garp_master_delay",
  "down_timer_adverts",
  "dont_track_primary",
  "notify_master",
  "notify_backup",
  "notify_fault",
  "notify",
  "native_ipv6",
]);

/** virtual_ipaddress options that take a value. */
export const VIP_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "brd",
  "broadcast",
  "dev",
  "scope",
  "label",
  "peer",
  "preferred_lft",
  "track_group",
]);

const NO_VMAC =
  "not carried over: carpd has no virtual MAC; the new master moves the VIPs with gratuitous ARP and unsolicited neighbour advertisements from the interface's own MAC";
const NO_TRACKER =
  "not carried over: carpd has no such tracker; a [[check]] running a command can do the same";
const NO_FIFO =
  "not carried over: carpd has no notify FIFO; its readers move to `carpd events`, one JSON line per event (the current state of every vhid and group first, then each transition with its reason, demotions and hook runs), several readers at once, none lost across a reload";
const NO_GARP_EXTRA =
  "not carried over: carpd sends gratuitous ARPs only on becoming MASTER and when re-asserting (garp_count, garp_interval)";

/** vrrp_instance keywords carpd has no key for, and why. */
export const INSTANCE_REFUSED: ReadonlyMap<string, string> = new Map(
  Object.entries({
    "virtual_ipaddress_excluded":
      "not carried over: carpd has no excluded VIPs (every VIP is advertised); add them to vips on every box, or let up_script/down_script add them",
    "virtual_routes":
      "not carried over: carpd moves no routes; add them in up_script/down_script",
    "virtual_rules":
      "not carried over: carpd moves no policy rules; add them in up_script/down_script",
    "use_vmac": NO_VMAC,
    "vmac_xmit_base": NO_VMAC,
    "use_vmac_addr": NO_VMAC,
    "use_ipvlan": NO_VMAC,
    "smtp_alert": "not carried over: carpd sends no e-mail; use notify instead",
    "track_file": NO_TRACKER,
    "track_process": NO_TRACKER,
    "track_bfd": NO_TRACKER,
    "track_src_ip": NO_TRACKER,
    "notify_stop": "not carried over: carpd has no hook for stopping",
    "notify_deleted":
      "not carried over: carpd has no hook for deleted instances",
    "notify_master_rx_lower_pri":
      "not carried over: carpd has no hook for a lower-priority advert heard as master",
    "notify_priority_changes":
      "not carried over: carpd has no notify FIFO; priorities show in carpd status",
    "garp_lower_prio_delay": NO_GARP_EXTRA,
    "garp_lower_prio_repeat": NO_GARP_EXTRA,
    "garp_extra_if": NO_GARP_EXTRA,
    "unicast_ttl":
      "not carried over: carpd sends adverts with TTL/hop limit 255 and takes no others",
    "check_unicast_src": "not carried over: carpd has no such option",
    "unicast_fault_no_peer":
      'not needed: carpd refuses mode = "unicast" without peers',
    "lower_prio_no_advert":
      "not carried over: a carpd master always answers a lower-priority advert with its own (RFC 9568)",
    "higher_prio_send_advert": "not carried over: carpd has no such option",
    accept: "not needed: carpd's VIPs always accept traffic",
    "no_accept":
      "not carried over: carpd installs no drop rule, so its VIPs accept traffic",
    "strict_mode": "not carried over: carpd has no strict mode",
    "skip_check_adv_addr": "not carried over: carpd has no such option",
    "promote_secondaries":
      "not carried over: set it with sysctl (net.ipv4.conf.<iface>.promote_secondaries)",
    "old_unicast_checksum":
      "not needed: carpd accepts keepalived 1.3's unicast checksum too",
    "timer_expired_backup": "not carried over: carpd has no such option",
    "kernel_rx_buf_size": "not carried over: carpd has no such option",
    "linkbeat_use_polling":
      "not carried over: carpd follows link state from rtnetlink events",
    vrf: "not carried over: carpd has no VRF support",
    debug: "not carried over: set [daemon] log_level instead",
  }),
);

const LVS =
  "LVS (IPVS) is not carpd's: it only moves addresses; keep keepalived's checker or ipvsadm for it";
/** Top-level keywords, and why they are not carried over. */
export const TOP_LEVEL: ReadonlyMap<string, string> = new Map(Object.entries({
  "virtual_server": `not carried over: ${LVS}`,
  "virtual_server_group": `not carried over: ${LVS}`,
  "static_ipaddress":
    "not carried over: carpd manages VIPs only; configure static addresses in the system's network config",
  "static_routes":
    "not carried over: carpd manages VIPs only; configure static routes in the system's network config",
  "static_rules":
    "not carried over: carpd manages VIPs only; configure static rules in the system's network config",
  "garp_group": NO_GARP_EXTRA,
  "linkbeat_interfaces":
    "not carried over: carpd follows link state from rtnetlink events",
  "interface_up_down_delays": "not carried over: carpd has no link debouncing",
  "track_file": NO_TRACKER,
  "vrrp_track_file": NO_TRACKER,
  "vrrp_track_process": NO_TRACKER,
  "bfd_instance": NO_TRACKER,
  "track_group": "not carried over: carpd has no track groups",
}));

const NO_MAIL = "not carried over: carpd sends no e-mail; use notify instead";
/** global_defs keywords, and what carpd makes of them. */
export const GLOBAL_DEFS: ReadonlyMap<string, string> = new Map(Object.entries({
  "router_id": "not needed: carpd has no router id",
  "enable_script_security":
    "not needed: carpd runs [[check]] commands without a shell, as root unless the check sets user",
  "script_user":
    'not carried over: [[check]] tables run as root unless they set user = "NAME"; add it once that user exists on the box',
  "notification_email": NO_MAIL,
  "notification_email_from": NO_MAIL,
  "smtp_server": NO_MAIL,
  "smtp_connect_timeout": NO_MAIL,
  "smtp_helo_name": NO_MAIL,
  "smtp_alert": NO_MAIL,
  "smtp_alert_vrrp": NO_MAIL,
  "smtp_alert_checker": NO_MAIL,
  "vrrp_mcast_group6":
    "not carried over: carpd sends IPv6 adverts to ff02::12 only",
  "vrrp_strict": "not carried over: carpd has no strict mode",
  "vrrp_skip_check_adv_addr": "not carried over: carpd has no such option",
  "vrrp_check_unicast_src": "not carried over: carpd has no such option",
  "vrrp_garp_interval": NO_GARP_EXTRA,
  "vrrp_gna_interval": NO_GARP_EXTRA,
  "vrrp_garp_master_refresh_repeat":
    "not carried over: carpd's garp_refresh sends one gratuitous ARP (neighbour advertisement) per VIP each time",
  "vrrp_garp_lower_prio_delay": NO_GARP_EXTRA,
  "vrrp_garp_lower_prio_repeat": NO_GARP_EXTRA,
  "vrrp_garp_extra_if": NO_GARP_EXTRA,
  "vrrp_lower_prio_no_advert":
    "not carried over: a carpd master always answers a lower-priority advert with its own (RFC 9568)",
  "vrrp_down_timer_adverts":
    "not carried over: set deadratio (CARP) per vhid; carpd's VRRP backups wait the RFC's 3 advert intervals",
  "notify_fifo": NO_FIFO,
  "vrrp_notify_fifo": NO_FIFO,
  "notify_fifo_script": NO_FIFO,
  "vrrp_notify_fifo_script": NO_FIFO,
  "enable_dbus":
    "not carried over: carpd's status is on its control socket (carpd status)",
  "enable_snmp_vrrp":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
  "enable_snmp_keepalived":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
  "enable_traps":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
}));
