/**
 * The process's effective capabilities (capget(2)), so carpd can say which
 * one it lacks before it claims a virtual IP it cannot add.
 * @module
 */

import { fail, libc } from "./libc.ts";

/** _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
const CAPABILITY_VERSION_3 = 0x20080522;
/** sizeof(struct __user_cap_header_struct). */
const CAP_HEADER_SIZE = 8;
/** sizeof(struct __user_cap_data_struct) * 2. */
const CAP_DATA_SIZE = 24;

/** Capability numbers from `<linux/capability.h>`. */
export const Capability = {
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
} as const;

/** A capability's name. */
export type CapabilityName = keyof typeof Capability;

/**
 * Whether this process has a capability in its effective set.
 *
 * @param name Such as `"CAP_NET_ADMIN"`.
 * @returns Whether it is effective now.
 * @throws {SyscallError} When capget fails.
 */
export function hasCapability(name: CapabilityName): boolean {
  const header = new Uint8Array(CAP_HEADER_SIZE);
  const view = new DataView(header.buffer);
  view.setUint32(0, CAPABILITY_VERSION_3, true);
  view.setInt32(4, 0, true); // this process
  const data = new Uint8Array(CAP_DATA_SIZE);
  if (libc.capget(header, data) < 0) fail("capget", "this process");
  const bit = Capability[name];
  // Word w of the effective set is at offset 12 * w (effective, permitted,
  // inheritable per word).
  const word = new DataView(data.buffer).getUint32(12 * (bit >> 5), true);
  return (word & (1 << (bit & 31))) !== 0;
}
