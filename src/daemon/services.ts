/**
 * What a daemon on a real box serves besides the protocol: the control
 * socket (`carpd status`, `standby`, `resume`) and `GET /metrics`. Opened
 * at start, moved on reload (a metrics address that cannot be bound
 * rejects the reload), closed on the way out.
 * @module
 */

import type { Config, MetricsListen } from "../config/mod.ts";
import {
  type ControlReply,
  type ControlRequest,
  ControlServer,
  type EventReader,
  formatMetricsAddress,
  MetricsServer,
  renderMetrics,
  type Status,
} from "../control/mod.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { readProcessFigures } from "./process_figures.ts";

/** What the services read and do. */
export interface ServicesContext {
  /** Where the services log. */
  log: Logger;
  /** The daemon's status now. */
  status(): Status;
  /** Answers a control request. */
  answer(req: ControlRequest): ControlReply;
  /** Whether the daemon is stopping (a late open is closed at once). */
  stopping(): boolean;
  /** Opens a reader of the event stream (`carpd events`). */
  events(): EventReader;
}

/** A metrics address bound for a reload, to keep or throw away. */
export interface StagedMetrics {
  /** The reload went through: serve here from now on. */
  commit(): void;
  /** The reload was rejected: close it. */
  abort(): void;
}

/** The control socket and the metrics server. */
export class Services {
  readonly #ctx: ServicesContext;
  #control: ControlServer | null = null;
  #controlPath: string | null = null;
  #metrics: MetricsServer | null = null;
  #metricsAt: MetricsListen | null = null;

  /**
   * Services not opened yet.
   *
   * @param ctx What they read and do.
   */
  constructor(ctx: ServicesContext) {
    this.#ctx = ctx;
  }

  /**
   * Opens both for a config.
   *
   * @param config The config.
   * @throws {Error} When the metrics address cannot be bound (exit 71).
   */
  open(config: Config): void {
    this.openControl(config.controlSocket);
    this.#metrics = this.#listen(config.metrics);
    this.#metricsAt = config.metrics;
  }

  /**
   * Binds a reload's metrics address if it changed, before anything else
   * changes.
   *
   * @param next The new config.
   * @returns What to do once the reload is decided.
   * @throws {Error} When the new address cannot be bound.
   */
  stageMetrics(next: Config): StagedMetrics {
    if (sameListen(next.metrics, this.#metricsAt)) {
      return { commit(): void {}, abort(): void {} };
    }
    const server = this.#listen(next.metrics);
    return {
      commit: () => {
        this.#metrics?.close();
        this.#metrics = server;
        this.#metricsAt = next.metrics;
      },
      abort: () => server?.close(),
    };
  }

  /**
   * Serves the control socket at a path (moving it when the path changed).
   *
   * @param path The socket's path.
   */
  openControl(path: string): void {
    if (this.#controlPath === path) return;
    this.#control?.close();
    this.#control = null;
    this.#controlPath = path;
    const log = this.#ctx.log;
    ControlServer.open(
      path,
      log,
      (req) => this.#ctx.answer(req),
      () => this.#ctx.events(),
    ).then(
      (server) => {
        if (!this.#ctx.stopping() && this.#controlPath === path) {
          this.#control = server;
        } else server.close();
      },
      (e) =>
        log.error(
          `control socket "${path}": ${
            errorMessage(e)
          }; status and standby are unavailable`,
        ),
    );
  }

  /** Closes both. */
  close(): void {
    this.#control?.close();
    this.#control = null;
    this.#metrics?.close();
    this.#metrics = null;
  }

  /** Serves `GET /metrics` at an address, or nowhere; throws if it cannot. */
  #listen(at: MetricsListen | null): MetricsServer | null {
    if (at === null) return null;
    const server = MetricsServer.listen({
      address: at,
      render: () => renderMetrics(this.#ctx.status(), readProcessFigures()),
      log: this.#ctx.log,
    });
    this.#ctx.log.info(
      `serving metrics on http://${formatMetricsAddress(at)}/metrics`,
    );
    return server;
  }
}

function sameListen(
  a: MetricsListen | null,
  b: MetricsListen | null,
): boolean {
  return a?.hostname === b?.hostname && a?.port === b?.port;
}
