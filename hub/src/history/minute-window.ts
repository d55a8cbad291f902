/** Per-second counters over the last minute, for the replica's message and event rates. */
export class MinuteWindow {
  private readonly counts = new Array<number>(60).fill(0);
  private second = Math.floor(Date.now() / 1000);

  add(n: number): void {
    this.advance();
    this.counts[this.second % 60]! += n;
  }

  total(): number {
    this.advance();
    return this.counts.reduce((a, b) => a + b, 0);
  }

  private advance(): void {
    const now = Math.floor(Date.now() / 1000);
    for (let s = Math.max(this.second + 1, now - 59); s <= now; s++) this.counts[s % 60] = 0;
    this.second = Math.max(this.second, now);
  }
}
