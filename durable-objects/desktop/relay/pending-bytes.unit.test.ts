import { describe, expect, it } from "vitest";
import { PendingBytes } from "./pending-bytes.ts";

describe("PendingBytes", () => {
  it("keeps early bytes in order and hands them over once", () => {
    const p = new PendingBytes(100);
    expect(p.push(Uint8Array.of(1, 2))).toBe(true);
    expect(p.push(Uint8Array.of(3))).toBe(true);
    expect(p.drain()).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect(p.drain()).toEqual([]);
  });

  it("refuses a chunk that would pass the bound and keeps what it had", () => {
    const p = new PendingBytes(10);
    expect(p.push(new Uint8Array(8))).toBe(true);
    expect(p.push(new Uint8Array(3))).toBe(false);
    expect(p.size).toBe(8);
  });

  it("copies what it keeps, so a reused buffer cannot change queued bytes", () => {
    const p = new PendingBytes(10);
    const buf = Uint8Array.of(7, 7);
    p.push(buf);
    buf[0] = 0;
    expect(p.drain()[0]).toEqual(Uint8Array.of(7, 7));
  });
});
