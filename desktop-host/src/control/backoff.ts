/**
 * Exponential backoff with full jitter (a random delay between 0 and the
 * exponential ceiling), so a fleet of hosts dropped by one deploy does not
 * reconnect in lockstep.
 */
export type BackoffOptions = {
  /** Ceiling of the first retry. Default 500 ms. */
  baseMs?: number;
  /** Largest ceiling. Default 30 s. */
  capMs?: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
};

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.capMs = options.capMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  /** The ceiling of the next delay, before jitter. */
  get ceilingMs(): number {
    // 2 ** attempt overflows to Infinity long after the cap, so Math.min keeps it finite.
    return Math.min(this.capMs, this.baseMs * 2 ** this.#attempt);
  }

  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call widens the window up to the cap. */
  next(): number {
    const delay = Math.floor(this.#random() * this.ceilingMs);
    this.#attempt++;
    return delay;
  }

  /** After a healthy connection the next failure starts small again. */
  reset(): void {
    this.#attempt = 0;
  }
}
