import { describe, expect, it } from "vitest";
import {
  crop, cropDifference, cropRectAround, CROP_TOLERANCE, differingFraction, grayToPng, pngToGray, searchCrop, thumbnail, THUMB_LEVELS, THUMB_TOLERANCE, type Gray,
} from "./fingerprint.ts";

const W = 1280;
const H = 800;
function screen(): Gray {
  return { width: W, height: H, data: new Uint8Array(W * H).fill(240) };
}
function fill(g: Gray, x: number, y: number, w: number, h: number, v: number): void {
  for (let yy = y; yy < y + h; yy++) g.data.fill(v, yy * g.width + x, yy * g.width + x + w);
}
function button(g: Gray, x: number, y: number): void {
  fill(g, x, y, 120, 40, 60);
  fill(g, x + 15, y + 12, 40, 16, 230);
}

describe("screen fingerprints", () => {
  it("sees a blinking caret and a clock tick as the same screen, and a dialog as another", () => {
    const a = screen();
    button(a, 300, 300);
    const b = screen();
    button(b, 300, 300);
    fill(b, 500, 200, 2, 22, 0); // a caret
    fill(b, 1200, 780, 60, 16, 30); // a clock's digits changed
    expect(differingFraction(thumbnail(a), thumbnail(b), THUMB_LEVELS)).toBeLessThanOrEqual(THUMB_TOLERANCE);
    const dialog = screen();
    button(dialog, 300, 300);
    fill(dialog, 340, 200, 600, 400, 90);
    expect(differingFraction(thumbnail(a), thumbnail(dialog), THUMB_LEVELS)).toBeGreaterThan(THUMB_TOLERANCE);
  });

  it("leaves the pointer's picture out when comparing a target crop", () => {
    const a = screen();
    button(a, 300, 300);
    const rect = cropRectAround({ x: 360, y: 320 }, { width: W, height: H });
    const recorded = crop(a, rect);
    const b = screen();
    button(b, 300, 300);
    fill(b, 362, 322, 12, 20, 0); // an arrow pointer drawn into the framebuffer
    expect(cropDifference(b, recorded, rect)).toBeGreaterThan(CROP_TOLERANCE);
    expect(cropDifference(b, recorded, rect, { onScreen: [{ x: 362, y: 322 }], inCrop: [] })).toBeLessThanOrEqual(CROP_TOLERANCE);
  });

  it("finds a target that moved 80 px to the right, near its old place", () => {
    const a = screen();
    button(a, 300, 300);
    const rect = cropRectAround({ x: 360, y: 320 }, { width: W, height: H });
    const recorded = crop(a, rect);
    const b = screen();
    button(b, 380, 300);
    const found = searchCrop(b, recorded, rect);
    expect(found).toMatchObject({ kind: "found", found: { at: { x: rect.x + 80, y: rect.y } } });
  });

  it("finds a target that moved far across the screen", () => {
    const a = screen();
    button(a, 300, 300);
    const rect = cropRectAround({ x: 360, y: 320 }, { width: W, height: H });
    const b = screen();
    button(b, 1000, 650);
    expect(searchCrop(b, crop(a, rect), rect)).toMatchObject({ kind: "found", found: { at: { x: rect.x + 700, y: rect.y + 350 } } });
  });

  it("refuses to guess when the target matches in two places", () => {
    const a = screen();
    button(a, 300, 300);
    const rect = cropRectAround({ x: 360, y: 320 }, { width: W, height: H });
    const b = screen();
    button(b, 300, 100);
    button(b, 300, 500);
    expect(searchCrop(b, crop(a, rect), rect).kind).toBe("ambiguous");
  });

  it("reports a target that is gone as absent", () => {
    const a = screen();
    button(a, 300, 300);
    const rect = cropRectAround({ x: 360, y: 320 }, { width: W, height: H });
    expect(searchCrop(screen(), crop(a, rect), rect).kind).toBe("absent");
  });

  it("round-trips a grayscale image through PNG", async () => {
    const a = screen();
    button(a, 10, 10);
    const t = thumbnail(a);
    expect(pngToGray(await grayToPng(t))).toEqual(t);
  });
});
