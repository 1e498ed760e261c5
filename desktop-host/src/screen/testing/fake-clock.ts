import type { Clock } from "../settle.ts";

// TEST SUPPORT ONLY: a Clock for tests of timing logic (settle, the model frame).

/** A clock whose time moves only when the test says so, firing due timers in order. */
export class FakeClock implements Clock {
  #now = 0;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.#now + ms, callback, cancelled: false };
    this.#timers.push(timer);
    return () => (timer.cancelled = true);
  }

  /** Moves time forward to `until`, running every timer due on the way. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      const due = this.#timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#now = due.at;
      due.cancelled = true;
      due.callback();
      await Promise.resolve();
    }
    this.#now = until;
  }
}
