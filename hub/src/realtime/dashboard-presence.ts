import type { DashboardNamespace } from "./socket-types.js";

/** A replica that holds dashboards says so this often; the others believe it three times as long. */
const ANNOUNCE_EVERY_MS = 10_000;
const BELIEVE_FOR_MS = 3 * ANNOUNCE_EVERY_MS;
/** A dashboard's handshake waits at most this long for the other replicas to hear of it. */
const ANNOUNCE_ACK_MS = 1_000;

/**
 * Whether any replica holds a dashboard. Without one, dashboard events are not built into
 * batches and published through the adapter at all: that PUBLISH, and its msgpack encoding
 * here and decoding on every other replica, cost ≈ 7 % of a replica's CPU at saturation with
 * nobody watching. A replica holding dashboards announces it every ANNOUNCE_EVERY_MS; a new
 * dashboard's handshake waits until the other replicas have acknowledged the announcement, so
 * that every event emitted anywhere after its `connect` reaches it, as before.
 */
export class DashboardPresence {
  private remoteUntil = 0;
  private announcedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dashboard: DashboardNamespace,
    private readonly clustered: boolean,
  ) {
    if (!clustered) return;
    dashboard.on("dashboards", (done) => {
      this.remoteUntil = Date.now() + BELIEVE_FOR_MS;
      if (typeof done === "function") done(true);
    });
    // Before the namespace's own checks: an unauthenticated handshake may announce too, but at
    // most once per ANNOUNCE_EVERY_MS (the announcement is still believed for longer than that).
    dashboard.use((_socket, next) => {
      this.announce().then(
        () => next(),
        () => next(),
      );
    });
    dashboard.on("connection", () => {
      this.timer ??= setInterval(this.tick, ANNOUNCE_EVERY_MS);
      this.timer.unref();
    });
  }

  /** True when an event emitted now may reach a dashboard. */
  any(): boolean {
    return this.dashboard.sockets.size > 0 || (this.clustered && Date.now() < this.remoteUntil);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async announce(): Promise<void> {
    const now = Date.now();
    if (now - this.announcedAt < ANNOUNCE_EVERY_MS) return;
    this.announcedAt = now;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ANNOUNCE_ACK_MS);
    });
    // A replica that did not answer in time (the adapter itself waits 5 s) hears the next one.
    const heard = await Promise.race([this.send(), late]);
    clearTimeout(timer);
    // Nobody answered (no other replica counted yet, or the answers were late): the next
    // handshake announces again instead of leaving the others unaware for ANNOUNCE_EVERY_MS.
    if (!heard) this.announcedAt = Number.NEGATIVE_INFINITY;
  }

  /** True when at least one other replica acknowledged. */
  private send(): Promise<boolean> {
    return this.dashboard.serverSideEmitWithAck("dashboards").then(
      (answers: unknown[]) => answers.length > 0,
      () => false,
    );
  }

  private readonly tick = (): void => {
    if (this.dashboard.sockets.size === 0) {
      this.stop();
      return;
    }
    this.announcedAt = Date.now();
    void this.send();
  };
}
