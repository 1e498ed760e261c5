import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.ts";

describe("Backoff", () => {
  it("doubles the ceiling from 500 ms up to the 30 s cap", () => {
    const b = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 10 }, () => b.next());
    expect(delays).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
  });

  it("spreads delays over the whole window (full jitter), never above the ceiling", () => {
    const b = new Backoff({ baseMs: 1000, capMs: 1000 });
    const delays = Array.from({ length: 2000 }, () => b.next());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(delays.filter((d) => d < 250).length).toBeGreaterThan(300);
    expect(delays.filter((d) => d >= 750).length).toBeGreaterThan(300);
  });

  it("starts small again after a reset", () => {
    const b = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 8; i++) b.next();
    expect(b.ceilingMs).toBe(30_000);
    b.reset();
    expect(b.next()).toBe(499);
  });

  it("stays finite after thousands of failures", () => {
    const b = new Backoff({ random: () => 0.5 });
    for (let i = 0; i < 5000; i++) b.next();
    expect(b.next()).toBe(15_000);
  });
});
