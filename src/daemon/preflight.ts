/**
 * What carpd checks before it starts: that it may do what its vhids need.
 * Without these it would claim MASTER for a virtual IP it cannot add.
 * @module
 */

import { hasCapability } from "../../ffi/capabilities.ts";
import { Errno } from "../../ffi/errors.ts";
import type { Config } from "../config/mod.ts";

/** What the preflight needs to ask the system. */
export interface PreflightProbe {
  /** Whether a capability is effective. */
  has(name: "CAP_NET_RAW" | "CAP_NET_ADMIN"): boolean;
  /** The errno of a harmless address change (ENODEV when allowed). */
  addressChange(): Promise<number>;
}

/**
 * The real system.
 *
 * @param netlink An rtnetlink request socket.
 * @returns The probe.
 */
export function systemProbe(
  netlink: { probeAddressChange(): Promise<number> },
): PreflightProbe {
  return {
    has: hasCapability,
    addressChange: () => netlink.probeAddressChange(),
  };
}

/**
 * Every reason carpd cannot serve this config here, one sentence each.
 *
 * @param config The config.
 * @param probe Asks the system.
 * @returns Problems; empty when carpd can start.
 */
export async function preflight(
  config: Config,
  probe: PreflightProbe,
): Promise<string[]> {
  const problems: string[] = [];
  const where =
    "(a container or a unit whose CapabilityBoundingSet leaves it out?)";
  if (!probe.has("CAP_NET_RAW")) {
    problems.push(
      `missing capability CAP_NET_RAW, needed for the raw CARP socket and gratuitous ARP ${where}`,
    );
  }
  if (config.vhids.some((v) => v.manageVips)) {
    if (!probe.has("CAP_NET_ADMIN")) {
      problems.push(
        `missing capability CAP_NET_ADMIN, needed to add and remove the virtual IPs ${where}`,
      );
    } else {
      const err = await probe.addressChange();
      if (err === Errno.EPERM || err === Errno.EACCES) {
        problems.push(
          `the kernel refuses address changes (${
            err === Errno.EPERM ? "EPERM" : "EACCES"
          }) although CAP_NET_ADMIN is effective: a system-call filter or security module blocks rtnetlink`,
        );
      }
    }
  }
  return problems;
}
