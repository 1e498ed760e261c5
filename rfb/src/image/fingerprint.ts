import { decodePng, encodePng, encodePngNative } from "./png.ts";
import type { Point, Rect, RgbaImage, Size } from "./scale.ts";

// Screen fingerprints for replay (the host records and replays; DesktopDO records a person's takeover): a small grayscale thumbnail of the whole
// screen (is this the same screen?) and a crop around an action's target at
// full resolution (is the thing to click still there, or where did it go?).

/** A grayscale image, one byte a pixel. */
export type Gray = { width: number; height: number; data: Uint8Array };

export const THUMB_WIDTH = 128;
/** Around the target: wide and tall enough to take in a field's label above it, so a renamed label is a different target. */
export const CROP_SIZE: Size = { width: 200, height: 100 };
/**
 * Thumbnails: a pixel "differs" by more than 24 levels; up to 3 % may (a
 * clock, a caret, the pointer, a button that moved a little). A different
 * page, a dialog, or a scrolled view changes far more.
 */
export const THUMB_LEVELS = 24;
export const THUMB_TOLERANCE = 0.03;
/**
 * Crops: a pixel differs by more than 48 levels; up to 0.6 % may (a blinking
 * caret is ~0.1 %); the pointer's own picture is masked out. A renamed label
 * changed 2–4 % of the crop in the bench.
 */
export const CROP_LEVELS = 48;
export const CROP_TOLERANCE = 0.006;
/** The area the pointer's picture may cover, from its hotspot (an arrow or I-beam of up to 24 px). */
const POINTER_BOX = { left: 4, top: 12, right: 22, bottom: 28 };

export function toGray(img: RgbaImage): Gray {
  const out = new Uint8Array(img.width * img.height);
  const d = img.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 4) out[i] = (d[j]! * 77 + d[j + 1]! * 150 + d[j + 2]! * 29) >> 8;
  return { width: img.width, height: img.height, data: out };
}

/** Box-averaged downscale of a grayscale image to `width` (aspect kept). */
export function shrink(src: Gray, width: number): Gray {
  const height = Math.max(1, Math.round((src.height * width) / src.width));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * src.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * src.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / width));
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) {
        const row = yy * src.width;
        for (let xx = x0; xx < x1; xx++) sum += src.data[row + xx]!;
      }
      out[y * width + x] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return { width, height, data: out };
}

export function thumbnail(screen: Gray): Gray {
  return shrink(screen, THUMB_WIDTH);
}

/** The crop rectangle around a target, kept on the screen. */
export function cropRectAround(p: Point, screen: Size, size: Size = CROP_SIZE): Rect {
  const width = Math.min(size.width, screen.width);
  const height = Math.min(size.height, screen.height);
  const x = Math.max(0, Math.min(screen.width - width, Math.round(p.x - width / 2)));
  const y = Math.max(0, Math.min(screen.height - height, Math.round(p.y - height / 2)));
  return { x, y, width, height };
}

export function crop(src: Gray, r: Rect): Gray {
  const out = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) {
    const sy = Math.max(0, Math.min(src.height - 1, r.y + y));
    for (let x = 0; x < r.width; x++) {
      const sx = Math.max(0, Math.min(src.width - 1, r.x + x));
      out[y * r.width + x] = src.data[sy * src.width + sx]!;
    }
  }
  return { width: r.width, height: r.height, data: out };
}

/** The fraction of pixels that differ by more than `levels` (images of one size). */
export function differingFraction(a: Gray, b: Gray, levels: number): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i]! - b.data[i]!) > levels) n++;
  return n / a.data.length;
}

/** Pointer hotspots whose pictures are left out: where it is on the screen now, and where it was in the recorded crop (crop pixels). */
export type Pointers = { onScreen: readonly Point[]; inCrop: readonly Point[] };
const NO_POINTERS: Pointers = { onScreen: [], inCrop: [] };

/**
 * The fraction of the crop's pixels that differ when the recorded crop is laid
 * on the screen at (x, y), leaving out pointer boxes (screen coordinates of
 * hotspots; recorded ones are moved with the crop).
 */
export function cropDifference(screen: Gray, recorded: Gray, at: Point, pointers: Pointers = NO_POINTERS, stopAbove = Number.POSITIVE_INFINITY): number {
  const inCrop = [...pointers.onScreen.map((p) => ({ x: p.x - at.x, y: p.y - at.y })), ...pointers.inCrop];
  const masks = inCrop.map((p) => ({ x0: p.x - POINTER_BOX.left, y0: p.y - POINTER_BOX.top, x1: p.x + POINTER_BOX.right, y1: p.y + POINTER_BOX.bottom }));
  let counted = 0;
  let differing = 0;
  const limit = stopAbove * recorded.data.length;
  for (let y = 0; y < recorded.height; y++) {
    const sy = at.y + y;
    const inside = sy >= 0 && sy < screen.height;
    for (let x = 0; x < recorded.width; x++) {
      if (masks.some((m) => x >= m.x0 && x < m.x1 && y >= m.y0 && y < m.y1)) continue;
      counted++;
      const sx = at.x + x;
      const v = inside && sx >= 0 && sx < screen.width ? screen.data[sy * screen.width + sx]! : -1000;
      if (Math.abs(v - recorded.data[y * recorded.width + x]!) > CROP_LEVELS) {
        differing++;
        if (differing > limit) return 1;
      }
    }
  }
  return counted === 0 ? 1 : differing / counted;
}

export type Found = { at: Point; difference: number };
export type SearchResult = { kind: "found"; found: Found } | { kind: "ambiguous"; places: Point[] } | { kind: "absent"; best: number };

/**
 * Looks for the recorded crop on the screen: first in `window` pixels around
 * its recorded place, then across the whole screen. Coarse at a quarter of
 * the resolution, then exact around the best few places. A crop that matches
 * in two places is ambiguous: a replay does not guess.
 */
export function searchCrop(screen: Gray, recorded: Gray, from: Point, pointers: Pointers = NO_POINTERS, window = 240): SearchResult {
  const near = searchIn(screen, recorded, pointers, {
    x0: from.x - window, y0: from.y - window, x1: from.x + window, y1: from.y + window,
  });
  if (near.kind === "found" || near.kind === "ambiguous") return near;
  const all = searchIn(screen, recorded, pointers, { x0: 0, y0: 0, x1: screen.width - recorded.width, y1: screen.height - recorded.height });
  return all.kind === "absent" ? { kind: "absent", best: Math.min(all.best, near.best) } : all;
}

const COARSE = 4;

function searchIn(screen: Gray, recorded: Gray, pointers: Pointers, area: { x0: number; y0: number; x1: number; y1: number }): SearchResult {
  const s = shrink(screen, Math.floor(screen.width / COARSE));
  const r = shrink(recorded, Math.max(1, Math.floor(recorded.width / COARSE)));
  const cx0 = Math.max(0, Math.floor(area.x0 / COARSE));
  const cy0 = Math.max(0, Math.floor(area.y0 / COARSE));
  const cx1 = Math.min(s.width - r.width, Math.ceil(area.x1 / COARSE));
  const cy1 = Math.min(s.height - r.height, Math.ceil(area.y1 / COARSE));
  // The best few coarse places, at least 3 coarse pixels apart.
  const best: { x: number; y: number; score: number }[] = [];
  const KEEP = 6;
  for (let y = cy0; y <= cy1; y++) {
    for (let x = cx0; x <= cx1; x++) {
      const worst = best.length < KEEP ? Number.POSITIVE_INFINITY : best[best.length - 1]!.score;
      const score = meanAbsDiff(s, r, x, y, worst);
      if (score >= worst) continue;
      const close = best.findIndex((b) => Math.abs(b.x - x) < 3 && Math.abs(b.y - y) < 3);
      if (close >= 0) {
        if (best[close]!.score <= score) continue;
        best.splice(close, 1);
      }
      best.push({ x, y, score });
      best.sort((a, b) => a.score - b.score);
      if (best.length > KEEP) best.pop();
    }
  }
  const matches: Found[] = [];
  let bestDifference = 1;
  for (const c of best) {
    let local: Found | null = null;
    for (let dy = -COARSE; dy <= COARSE; dy++) {
      for (let dx = -COARSE; dx <= COARSE; dx++) {
        const at = { x: c.x * COARSE + dx, y: c.y * COARSE + dy };
        if (at.x < 0 || at.y < 0 || at.x + recorded.width > screen.width || at.y + recorded.height > screen.height) continue;
        const d = cropDifference(screen, recorded, at, pointers, local ? local.difference : CROP_TOLERANCE * 4);
        if (!local || d < local.difference) local = { at, difference: d };
      }
    }
    if (!local) continue;
    bestDifference = Math.min(bestDifference, local.difference);
    if (local.difference <= CROP_TOLERANCE && !matches.some((m) => Math.abs(m.at.x - local.at.x) < 8 && Math.abs(m.at.y - local.at.y) < 8)) matches.push(local);
  }
  if (matches.length === 1) return { kind: "found", found: matches[0]! };
  if (matches.length > 1) return { kind: "ambiguous", places: matches.map((m) => m.at) };
  return { kind: "absent", best: bestDifference };
}

function meanAbsDiff(s: Gray, r: Gray, x: number, y: number, stopAbove: number): number {
  const limit = stopAbove * r.data.length;
  let sum = 0;
  for (let yy = 0; yy < r.height; yy++) {
    const row = (y + yy) * s.width + x;
    const rrow = yy * r.width;
    for (let xx = 0; xx < r.width; xx++) sum += Math.abs(s.data[row + xx]! - r.data[rrow + xx]!);
    if (sum > limit) return Number.POSITIVE_INFINITY;
  }
  return sum / r.data.length;
}

function grayToRgb(g: Gray): Uint8Array {
  const rgb = new Uint8Array(g.data.length * 3);
  for (let i = 0; i < g.data.length; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = g.data[i]!;
  return rgb;
}

/** A grayscale image as a PNG (RGB, r = g = b: the PNG helpers write truecolour), compressed off the event loop. */
export async function grayToPng(g: Gray): Promise<Uint8Array> {
  return encodePngNative({ width: g.width, height: g.height, channels: 3, data: grayToRgb(g) });
}

/** The same, synchronously (pako): small images in a Durable Object. */
export function grayToPngSync(g: Gray): Uint8Array {
  return encodePng({ width: g.width, height: g.height, channels: 3, data: grayToRgb(g) });
}

/** A decoded PNG (RGB or RGBA) in grayscale. */
export function pngImageToGray(img: { width: number; height: number; channels: number; data: Uint8Array }): Gray {
  const out = new Uint8Array(img.width * img.height);
  const c = img.channels;
  for (let i = 0, j = 0; i < out.length; i++, j += c) out[i] = (img.data[j]! * 77 + img.data[j + 1]! * 150 + img.data[j + 2]! * 29) >> 8;
  return { width: img.width, height: img.height, data: out };
}

export function pngToGray(png: Uint8Array): Gray {
  const img = decodePng(png);
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i * img.channels]!;
  return { width: img.width, height: img.height, data: out };
}
