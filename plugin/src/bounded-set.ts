/**
 * A set that keeps the most recently added `capacity` keys. Used to drop duplicate message
 * ids: at-least-once delivery re-sends a message after a reconnect, and the model should see
 * it once. Memory stays bounded however long the session runs.
 */
export class BoundedSet {
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Add (or refresh) a key; evicts the oldest when full. */
  add(key: string): void {
    if (this.keys.has(key)) this.keys.delete(key);
    this.keys.set(key, true);
    while (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
    }
  }
}
