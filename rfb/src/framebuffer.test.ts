import { describe, expect, it } from "vitest";
import { Framebuffer } from "./framebuffer.ts";

describe("Framebuffer.changedBox", () => {
  it("finds the box around the pixels that differ from a copy taken before", () => {
    const fb = new Framebuffer(64, 40);
    const before = fb.readRect(32, 8, 32, 28);
    // A one-pixel-wide caret drawn into the tile, then a dot further right and lower.
    fb.fillRect(40, 10, 1, 20, 0, 0, 0xff);
    fb.fillRect(50, 33, 2, 2, 0xff, 0, 0);
    expect(fb.changedBox(32, 8, 32, 28, before)).toEqual({ x: 40, y: 10, width: 12, height: 25 });
  });

  it("is null when the region was rewritten with what it held", () => {
    const fb = new Framebuffer(32, 32);
    fb.fillRect(0, 0, 32, 32, 10, 20, 30);
    const before = fb.readRect(0, 0, 32, 32);
    fb.fillRect(0, 0, 32, 32, 10, 20, 30);
    expect(fb.changedBox(0, 0, 32, 32, before)).toBeNull();
  });

  it("copies, so a later write does not change the copy", () => {
    const fb = new Framebuffer(4, 4);
    const before = fb.readRect(1, 1, 2, 2);
    fb.fillRect(1, 1, 1, 1, 255, 255, 255);
    expect(before.every((w) => w === 0xff000000)).toBe(true);
    expect(fb.changedBox(1, 1, 2, 2, before)).toEqual({ x: 1, y: 1, width: 1, height: 1 });
  });
});
