/**
 * Answers control-socket requests (`carpd status`, `standby`, `resume`)
 * with the daemon's operations.
 * @module
 */

import type { ControlReply, ControlRequest, Status } from "../control/mod.ts";
import type { Logger } from "../log.ts";

/** What the handler may do to the daemon. */
export interface ControlOperations {
  status(): Status;
  /** The running vhids' settings, secrets redacted, as text. */
  runningVhids(): string;
  /** Returns how many vhids it applied to. */
  standby(vhid?: number, group?: string): number;
  /** Returns how many vhids it applied to. */
  resume(vhid?: number, group?: string): number;
  /** Fault injection, or `null` when test hooks are off. */
  testHooks: {
    throwInLoop(): void;
    stallLoop(ms: number): void;
    refuseAddresses(on: boolean): void;
    monitorBuffer(bytes: number): void;
    eventBurst(count: number): void;
  } | null;
}

/**
 * Answers one request.
 *
 * @param req The request.
 * @param ops The daemon.
 * @param log For the record of standby and resume.
 * @returns The reply.
 */
export function answerControl(
  req: ControlRequest,
  ops: ControlOperations,
  log: Logger,
): ControlReply {
  switch (req.command) {
    case "status":
      return { ok: true, result: ops.status() };
    case "config":
      return { ok: true, result: { vhids: ops.runningVhids() } };
    case "events":
      // The control socket streams these itself (see its server).
      return { ok: false, error: "events: no event stream here" };
    case "standby":
    case "resume": {
      const n = req.command === "standby"
        ? ops.standby(req.vhid, req.group)
        : ops.resume(req.vhid, req.group);
      const what = `${req.vhid === undefined ? "" : ` vhid ${req.vhid}`}${
        req.group === undefined ? "" : ` group ${req.group}`
      }`;
      if (n === 0) return { ok: false, error: `no${what || " vhid"}` };
      log.info(`${req.command}${what} (control socket)`);
      return { ok: true, result: { vhids: n } };
    }
    case "test": {
      const hooks = ops.testHooks;
      if (hooks === null) {
        return {
          ok: false,
          error: "test hooks are off (start carpd with CARPD_TEST_HOOKS=1)",
        };
      }
      log.warning(`test hook: ${req.action}`);
      if (req.action === "throw") hooks.throwInLoop();
      else if (req.action === "stall") hooks.stallLoop(req.ms);
      else if (req.action === "refuse_addresses") {
        hooks.refuseAddresses(req.on);
      } else if (req.action === "event_burst") hooks.eventBurst(req.count);
      else hooks.monitorBuffer(req.bytes);
      return { ok: true, result: { action: req.action } };
    }
  }
}
