// Screenshot scaling for the model: pick a target size, shrink the RGBA
// framebuffer to it, map coordinates both ways, and crop regions for zoom.

export type Size = { width: number; height: number };
export type Point = { x: number; y: number };
export type Rect = { x: number; y: number; width: number; height: number };
export type RgbaImage = { width: number; height: number; data: Uint8Array };

/** XGA, WXGA and FWXGA: the sizes computer-use models are trained to see. */
export const DEFAULT_TARGETS: readonly Size[] = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
];

/**
 * The size to show the model. A target whose aspect ratio is within
 * `tolerance` of the screen's is used as is (1920x1080 → 1366x768); otherwise
 * the screen is fitted inside the closest-aspect target, keeping its own
 * aspect (3440x1440 → 1366x572). Never upscales: a screen no larger than the
 * target is shown at its own size.
 */
export function chooseTargetSize(screen: Size, targets: readonly Size[] = DEFAULT_TARGETS, tolerance = 0.02): Size {
  if (targets.length === 0) return screen;
  const ratio = screen.width / screen.height;
  const closest = targets.reduce((best, target) =>
    Math.abs(target.width / target.height - ratio) < Math.abs(best.width / best.height - ratio) ? target : best,
  );
  if (screen.width <= closest.width && screen.height <= closest.height) return screen;
  if (Math.abs(closest.width / closest.height - ratio) <= tolerance) return closest;
  const factor = Math.min(closest.width / screen.width, closest.height / screen.height);
  return { width: Math.max(1, Math.round(screen.width * factor)), height: Math.max(1, Math.round(screen.height * factor)) };
}

/**
 * Shrinks RGBA pixels by area averaging: each output pixel is the mean of the
 * source area it covers, with fractional edge weights. Text stays legible
 * where nearest-neighbour would drop strokes. Separable, so the cost is about
 * two passes over the source. Only downscales (or copies at equal size).
 */
export function scaleRgba(src: RgbaImage, target: Size): RgbaImage {
  const { width: sw, height: sh } = src;
  const { width: dw, height: dh } = target;
  if (dw > sw || dh > sh) throw new RangeError(`scaleRgba only shrinks; asked ${sw}x${sh} → ${dw}x${dh}`);
  if (dw === sw && dh === sh) return { width: sw, height: sh, data: src.data.slice() };
  const xs = boxWeights(sw, dw);
  const ys = boxWeights(sh, dh);

  // Horizontal pass: sw×sh → dw×sh, kept in floats to avoid rounding twice.
  const mid = new Float32Array(dw * sh * 4);
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 4;
    for (let x = 0; x < dw; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = xs.start[x]!; k < xs.start[x + 1]!; k++) {
        const i = row + xs.index[k]! * 4;
        const w = xs.weight[k]!;
        r += src.data[i]! * w;
        g += src.data[i + 1]! * w;
        b += src.data[i + 2]! * w;
        a += src.data[i + 3]! * w;
      }
      const o = (y * dw + x) * 4;
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
      mid[o + 3] = a;
    }
  }

  // Vertical pass: dw×sh → dw×dh.
  const out = new Uint8Array(dw * dh * 4);
  const acc = new Float32Array(dw * 4);
  for (let y = 0; y < dh; y++) {
    acc.fill(0);
    for (let k = ys.start[y]!; k < ys.start[y + 1]!; k++) {
      const row = ys.index[k]! * dw * 4;
      const w = ys.weight[k]!;
      for (let i = 0; i < dw * 4; i++) acc[i]! += mid[row + i]! * w;
    }
    const o = y * dw * 4;
    for (let i = 0; i < dw * 4; i++) out[o + i] = Math.round(acc[i]!); // Uint8Array clamps
  }
  return { width: dw, height: dh, data: out };
}

/** For each output cell, the source cells it overlaps and their share of it (shares sum to 1). */
function boxWeights(srcLength: number, dstLength: number): { start: Uint32Array; index: Uint32Array; weight: Float32Array } {
  const scale = srcLength / dstLength;
  const start = new Uint32Array(dstLength + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let d = 0; d < dstLength; d++) {
    start[d] = index.length;
    const from = d * scale;
    const to = (d + 1) * scale;
    for (let s = Math.floor(from); s < Math.min(srcLength, Math.ceil(to)); s++) {
      const overlap = Math.min(to, s + 1) - Math.max(from, s);
      if (overlap > 1e-9) {
        index.push(s);
        weight.push(overlap / scale);
      }
    }
  }
  start[dstLength] = index.length;
  return { start, index: Uint32Array.from(index), weight: Float32Array.from(weight) };
}

/**
 * A model coordinate → the screen pixel at the centre of the area that model
 * pixel shows. Clamped to the screen, since models sometimes click the edge.
 */
export function modelToScreen(point: Point, model: Size, screen: Size): Point {
  return {
    x: clamp(Math.floor(((point.x + 0.5) * screen.width) / model.width), screen.width),
    y: clamp(Math.floor(((point.y + 0.5) * screen.height) / model.height), screen.height),
  };
}

/** A screen pixel → the model pixel that shows it (e.g. to report the cursor position). */
export function screenToModel(point: Point, model: Size, screen: Size): Point {
  return {
    x: clamp(Math.floor(((point.x + 0.5) * model.width) / screen.width), model.width),
    y: clamp(Math.floor(((point.y + 0.5) * model.height) / screen.height), model.height),
  };
}

/** A region in model coordinates → the screen region it covers (for zooming at full resolution). */
export function modelRectToScreen(rect: Rect, model: Size, screen: Size): Rect {
  const x0 = Math.floor((rect.x * screen.width) / model.width);
  const y0 = Math.floor((rect.y * screen.height) / model.height);
  const x1 = Math.ceil(((rect.x + rect.width) * screen.width) / model.width);
  const y1 = Math.ceil(((rect.y + rect.height) * screen.height) / model.height);
  return clampRect({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, screen);
}

/** Copies a region of an RGBA image at full resolution, clipped to the image. */
export function cropRgba(src: RgbaImage, region: Rect): RgbaImage {
  const r = clampRect(region, src);
  const out = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * src.width + r.x) * 4;
    out.set(src.data.subarray(from, from + r.width * 4), y * r.width * 4);
  }
  return { width: r.width, height: r.height, data: out };
}

function clampRect(rect: Rect, bounds: Size): Rect {
  const x = Math.max(0, Math.min(bounds.width, Math.floor(rect.x)));
  const y = Math.max(0, Math.min(bounds.height, Math.floor(rect.y)));
  const right = Math.max(x, Math.min(bounds.width, Math.ceil(rect.x + rect.width)));
  const bottom = Math.max(y, Math.min(bounds.height, Math.ceil(rect.y + rect.height)));
  return { x, y, width: right - x, height: bottom - y };
}

function clamp(value: number, length: number): number {
  return Math.max(0, Math.min(length - 1, value));
}
