import { Cc2ccError } from "@cc2cc/shared";

interface Entry {
  reject: (err: Cc2ccError) => void;
  timer: NodeJS.Timeout;
}

/**
 * Requests waiting for the hub's answer. socket.io never calls an ack after the connection
 * drops, so without this a request would hang until its timeout; instead every waiting request
 * fails at once with HUB_UNREACHABLE when the connection goes.
 */
export class PendingRequests {
  private readonly entries = new Map<string, Entry>();

  /**
   * Track `id` until `timeoutMs`. Returns `settle`, which is true exactly once: when the answer
   * came before the timeout and before the connection dropped.
   */
  track(
    id: string,
    timeoutMs: number,
    onTimeout: () => Cc2ccError,
    reject: (err: Cc2ccError) => void,
  ): () => boolean {
    const timer = setTimeout(() => {
      this.entries.delete(id);
      reject(onTimeout());
    }, timeoutMs);
    this.entries.set(id, { reject, timer });
    return () => {
      const entry = this.entries.get(id);
      if (!entry) return false;
      clearTimeout(entry.timer);
      this.entries.delete(id);
      return true;
    };
  }

  failAll(message: string): void {
    for (const [id, entry] of this.entries) {
      clearTimeout(entry.timer);
      this.entries.delete(id);
      entry.reject(new Cc2ccError("HUB_UNREACHABLE", message));
    }
  }
}
