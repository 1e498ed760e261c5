import { afterEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "./coalescer.ts";

afterEach(() => {
  vi.useRealTimers();
});

function harness(options: { maxFrameBytes?: number; minIntervalMs?: number } = {}) {
  vi.useFakeTimers();
  const sent: Uint8Array[] = [];
  const pending: (() => void)[] = [];
  const c = new Coalescer((frame, done) => {
    sent.push(frame.slice());
    pending.push(done);
  }, { ...options, now: () => Date.now() });
  const finishSends = () => {
    for (const done of pending.splice(0)) done();
  };
  return { c, sent, finishSends };
}

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe("Coalescer", () => {
  it("sends a chunk at once when the link is idle", () => {
    const { c, sent } = harness();
    c.push(bytes(6));
    expect(sent.length).toBe(1);
  });

  it("batches chunks that arrive behind a send in flight into one frame", () => {
    const { c, sent, finishSends } = harness({ minIntervalMs: 0 });
    c.push(bytes(10, 1));
    for (let i = 0; i < 50; i++) c.push(bytes(100, 2));
    expect(sent.length).toBe(1);
    finishSends();
    expect(sent.length).toBe(2);
    expect(sent[1]!.length).toBe(5000);
  });

  it("never exceeds the frame size cap and keeps every byte in order", () => {
    const { c, sent, finishSends } = harness({ maxFrameBytes: 1000, minIntervalMs: 0 });
    const input: number[] = [];
    c.push(Uint8Array.of(0));
    input.push(0);
    for (let i = 1; i <= 30; i++) {
      const chunk = bytes(170, i);
      input.push(...chunk);
      c.push(chunk);
    }
    c.push(bytes(2500, 99));
    input.push(...bytes(2500, 99));
    for (let i = 0; i < 20 && c.queuedBytes > 0; i++) finishSends();
    finishSends();
    expect(sent.every((f) => f.length <= 1000)).toBe(true);
    expect([...sent.flatMap((f) => [...f])]).toEqual(input);
  });

  it("holds partial frames at least minIntervalMs apart while busy, and sends the first one after idling at once", () => {
    const { c, sent, finishSends } = harness({ minIntervalMs: 2 });
    c.push(bytes(1));
    finishSends();
    c.push(bytes(1));
    c.push(bytes(1));
    expect(sent.length).toBe(1); // 0 ms since the last send
    vi.advanceTimersByTime(2);
    expect(sent.length).toBe(2);
    expect(sent[1]!.length).toBe(2);
    finishSends();
    vi.advanceTimersByTime(100);
    c.push(bytes(1));
    expect(sent.length).toBe(3); // idle again: no added latency
  });

  it("sends full frames back to back, without waiting for the spacing", () => {
    const { c, sent, finishSends } = harness({ maxFrameBytes: 1000, minIntervalMs: 2 });
    c.push(bytes(10));
    for (let i = 0; i < 8; i++) c.push(bytes(500, i)); // a screen update read in pieces, behind the send in flight
    for (let i = 0; i < 5; i++) finishSends(); // the clock does not move
    expect(sent.map((f) => f.length)).toEqual([10, 1000, 1000, 1000, 1000]);
  });

  it("sends the tail of a burst at once, and spaces only partial frames", () => {
    const { c, sent, finishSends } = harness({ maxFrameBytes: 1000, minIntervalMs: 2 });
    c.push(bytes(10));
    vi.advanceTimersByTime(5);
    c.push(bytes(2300));
    for (let i = 0; i < 3; i++) finishSends();
    expect(sent.map((f) => f.length)).toEqual([10, 1000, 1000, 300]); // the 300-byte tail did not wait
    c.push(bytes(10));
    finishSends();
    expect(sent.length).toBe(4); // a partial frame 0 ms after the tail waits
    vi.advanceTimersByTime(2);
    expect(sent.length).toBe(5);
  });

  it("keeps a busy stream to at most 1000/minIntervalMs frames a second", () => {
    const { c, sent, finishSends } = harness({ minIntervalMs: 2 });
    for (let ms = 0; ms < 1000; ms++) {
      for (let i = 0; i < 4; i++) c.push(bytes(1000));
      finishSends();
      vi.advanceTimersByTime(1);
    }
    expect(sent.length).toBeLessThanOrEqual(501);
    expect(sent.reduce((s, f) => s + f.length, 0) + c.queuedBytes).toBe(4_000_000);
  });

  it("resolves drained() once queued bytes fall below the mark", async () => {
    const { c, finishSends } = harness({ minIntervalMs: 0, maxFrameBytes: 100 });
    c.push(bytes(1));
    for (let i = 0; i < 10; i++) c.push(bytes(100));
    let drained = false;
    void c.drained(300).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    for (let i = 0; i < 8; i++) finishSends();
    await Promise.resolve();
    expect(drained).toBe(true);
  });
});
