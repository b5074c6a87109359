/**
 * Answers control-socket requests (`carpd status`, `standby`, `resume`)
 * with the daemon's operations.
 * @module
 */

import type { ControlReply, ControlRequest } from "../control/protocol.ts";
import type { Status } from "../control/status.ts";
import type { Logger } from "../log.ts";

/** What the handler may do to the daemon. */
export interface ControlOperations {
  status(): Status;
  /** Returns how many vhids it applied to. */
  standby(vhid?: number): number;
  /** Returns how many vhids it applied to. */
  resume(vhid?: number): number;
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
    case "standby":
    case "resume": {
      const n = req.command === "standby"
        ? ops.standby(req.vhid)
        : ops.resume(req.vhid);
      if (n === 0) return { ok: false, error: `no vhid ${req.vhid}` };
      log.info(
        `${req.command}${
          req.vhid === undefined ? "" : ` vhid ${req.vhid}`
        } (control socket)`,
      );
      return { ok: true, result: { vhids: n } };
    }
  }
}
