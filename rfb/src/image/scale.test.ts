import { describe, expect, it } from "vitest";
import { chooseTargetSize, cropRgba, Downscaler, modelRectToScreen, modelToScreen, scaleRgba, screenToModel, type Rect } from "./scale.ts";

describe("chooseTargetSize", () => {
  it.each([
    [{ width: 1920, height: 1080 }, { width: 1366, height: 768 }],
    [{ width: 2560, height: 1440 }, { width: 1366, height: 768 }],
    [{ width: 1920, height: 1200 }, { width: 1280, height: 800 }],
    [{ width: 2880, height: 1800 }, { width: 1280, height: 800 }],
    [{ width: 1600, height: 1200 }, { width: 1024, height: 768 }],
    [{ width: 1280, height: 1024 }, { width: 960, height: 768 }],
    [{ width: 3440, height: 1440 }, { width: 1366, height: 572 }],
  ])("shows a %o screen to the model at %o", (screen, target) => {
    expect(chooseTargetSize(screen)).toEqual(target);
  });

  it("never upscales a screen smaller than the target", () => {
    expect(chooseTargetSize({ width: 800, height: 600 })).toEqual({ width: 800, height: 600 });
    expect(chooseTargetSize({ width: 1024, height: 768 })).toEqual({ width: 1024, height: 768 });
  });

  it("uses the configured targets", () => {
    expect(chooseTargetSize({ width: 1920, height: 1080 }, [{ width: 1280, height: 720 }])).toEqual({ width: 1280, height: 720 });
  });
});

describe("scaleRgba", () => {
  it("averages the area each output pixel covers", () => {
    // 4x1 → 2x1: (0,100) → 50 and (200,255) → 228 (rounded from 227.5).
    const src = { width: 4, height: 1, data: Uint8Array.from([0, 100, 200, 255].flatMap((v) => [v, v, v, 255])) };
    expect([...scaleRgba(src, { width: 2, height: 1 }).data]).toEqual([50, 50, 50, 255, 228, 228, 228, 255]);
  });

  it("weights source pixels by their fractional overlap at non-integer ratios", () => {
    // 3 → 2: output 0 covers pixel 0 and half of pixel 1: (0*1 + 90*0.5)/1.5 = 30.
    const src = { width: 3, height: 1, data: Uint8Array.from([0, 90, 180].flatMap((v) => [v, 0, 0, 255])) };
    expect([...scaleRgba(src, { width: 2, height: 1 }).data]).toEqual([30, 0, 0, 255, 150, 0, 0, 255]);
  });

  it("keeps a flat colour exact and shrinks 1920x1080 to 1366x768 quickly", () => {
    const data = new Uint8Array(1920 * 1080 * 4);
    new Uint32Array(data.buffer).fill(0xff_cc_66_33);
    const started = performance.now();
    const out = scaleRgba({ width: 1920, height: 1080, data }, { width: 1366, height: 768 });
    const elapsed = performance.now() - started;
    expect(out.data.length).toBe(1366 * 768 * 4);
    expect([...out.data.subarray(4 * 5000, 4 * 5001)]).toEqual([0x33, 0x66, 0xcc, 0xff]);
    expect(elapsed).toBeLessThan(1000); // ~100 ms on a 2-core VM; a loose bound against accidental O(n²)
  });
});

/** Deterministic noise, so a failure reproduces. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const inside = (r: Rect, x: number, y: number) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;

describe("Downscaler", () => {
  it.each([
    [{ width: 1920, height: 1080 }, { width: 1366, height: 768 }],
    [{ width: 97, height: 61 }, { width: 40, height: 33 }],
    [{ width: 50, height: 20 }, { width: 50, height: 20 }],
  ])("keeps a copy current rectangle by rectangle that equals scaling %o to %o from scratch", (screen, model) => {
    const src = noise(screen.width * screen.height * 4, 7);
    const scaler = new Downscaler(screen, model);
    const kept = scaleRgba({ ...screen, data: src }, model).data;
    for (const [i, rect] of [
      { x: 3, y: 2, width: 17, height: 9 },
      { x: screen.width - 5, y: screen.height - 3, width: 5, height: 3 },
      { x: 0, y: 7, width: screen.width, height: 1 },
      { x: 11, y: 0, width: 1, height: screen.height },
    ].entries()) {
      const paint = noise(rect.width * rect.height * 4, 100 + i);
      for (let y = 0; y < rect.height; y++) src.set(paint.subarray(y * rect.width * 4, (y + 1) * rect.width * 4), ((rect.y + y) * screen.width + rect.x) * 4);
      scaler.scaleRegion(src, kept, scaler.affected(rect));
    }
    expect(Buffer.from(kept).equals(Buffer.from(scaleRgba({ ...screen, data: src }, model).data))).toBe(true);
  });

  it("names every output pixel a changed source pixel reaches, and no far ones", () => {
    const screen = { width: 64, height: 48 };
    const model = { width: 45, height: 34 };
    const src = noise(screen.width * screen.height * 4, 3);
    const before = scaleRgba({ ...screen, data: src }, model).data;
    const scaler = new Downscaler(screen, model);
    for (const [x, y] of [[0, 0], [31, 17], [63, 47], [10, 40]] as const) {
      const changed = src.slice();
      changed.set([255 - changed[(y * 64 + x) * 4]!, 0, 255, 255], (y * 64 + x) * 4);
      const after = scaleRgba({ ...screen, data: changed }, model).data;
      const affected = scaler.affected({ x, y, width: 1, height: 1 });
      let reached = 0;
      for (let i = 0; i < after.length; i += 4) {
        if (after[i] === before[i] && after[i + 1] === before[i + 1] && after[i + 2] === before[i + 2]) continue;
        reached++;
        expect(inside(affected, (i / 4) % model.width, Math.floor(i / 4 / model.width))).toBe(true);
      }
      expect(reached).toBeGreaterThan(0);
      // One source pixel of a 1.4x shrink lands in at most 2x2 output pixels.
      expect(affected.width).toBeLessThanOrEqual(2);
      expect(affected.height).toBeLessThanOrEqual(2);
    }
  });

  it("stays within one level of exact area averaging", () => {
    const screen = { width: 1920, height: 8 };
    const model = { width: 1366, height: 5 };
    const src = noise(screen.width * screen.height * 4, 11);
    const out = scaleRgba({ ...screen, data: src }, model).data;
    const sx = screen.width / model.width;
    const sy = screen.height / model.height;
    let worst = 0;
    for (let y = 0; y < model.height; y++) {
      for (let x = 0; x < model.width; x++) {
        let sum = 0;
        for (let v = Math.floor(y * sy); v < Math.ceil((y + 1) * sy); v++) {
          for (let u = Math.floor(x * sx); u < Math.ceil((x + 1) * sx); u++) {
            const w = (Math.min((x + 1) * sx, u + 1) - Math.max(x * sx, u)) * (Math.min((y + 1) * sy, v + 1) - Math.max(y * sy, v));
            sum += src[(v * screen.width + u) * 4]! * w;
          }
        }
        worst = Math.max(worst, Math.abs(out[(y * model.width + x) * 4]! - sum / (sx * sy)));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("refuses to enlarge", () => {
    expect(() => new Downscaler({ width: 10, height: 10 }, { width: 11, height: 10 })).toThrow(RangeError);
  });
});

describe("coordinate mapping", () => {
  const screen = { width: 1920, height: 1080 };
  const model = { width: 1366, height: 768 };

  it("maps every model pixel to a screen pixel that maps back to it", () => {
    for (let x = 0; x < model.width; x++) expect(screenToModel(modelToScreen({ x, y: 0 }, model, screen), model, screen).x).toBe(x);
    for (let y = 0; y < model.height; y++) expect(screenToModel(modelToScreen({ x: 0, y }, model, screen), model, screen).y).toBe(y);
  });

  it("maps corners to corners and clamps clicks outside the image", () => {
    expect(modelToScreen({ x: 0, y: 0 }, model, screen)).toEqual({ x: 0, y: 0 });
    expect(modelToScreen({ x: 1365, y: 767 }, model, screen)).toEqual({ x: 1919, y: 1079 });
    expect(modelToScreen({ x: 5000, y: -3 }, model, screen)).toEqual({ x: 1919, y: 0 });
  });

  it("maps the centre of the model image to the centre of the screen", () => {
    expect(modelToScreen({ x: 683, y: 384 }, model, screen)).toEqual({ x: 960, y: 540 });
  });

  it("turns a model region into the screen region it covers", () => {
    expect(modelRectToScreen({ x: 683, y: 384, width: 100, height: 50 }, model, screen)).toEqual({ x: 960, y: 540, width: 141, height: 71 });
  });
});

describe("cropRgba", () => {
  it("copies a region at full resolution and clips it to the image", () => {
    const data = Uint8Array.from({ length: 4 * 4 * 4 }, (_, i) => i);
    const out = cropRgba({ width: 4, height: 4, data }, { x: 2, y: 3, width: 5, height: 5 });
    expect([out.width, out.height]).toEqual([2, 1]);
    expect([...out.data]).toEqual([...data.subarray((3 * 4 + 2) * 4, 16 * 4)]);
  });
});
