/**
 * A seeded generator (mulberry32), so a failing chaos run can be replayed: every test prints its
 * seed, and CHAOS_SEED sets it.
 */
export class Rng {
  private state: number;
  readonly seed: number;

  constructor(seed: number = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
