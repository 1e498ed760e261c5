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
 * where nearest-neighbour would drop strokes. Only downscales (or copies at
 * equal size).
 */
export function scaleRgba(src: RgbaImage, target: Size): RgbaImage {
  if (target.width === src.width && target.height === src.height) return { width: src.width, height: src.height, data: src.data.slice() };
  const scaler = new Downscaler(src, target);
  const out = new Uint8Array(target.width * target.height * 4);
  scaler.scaleRegion(src.data, out, { x: 0, y: 0, width: target.width, height: target.height });
  return { width: target.width, height: target.height, data: out };
}

// Weights are integers summing to 2^11 per axis, so a two-pass sum stays below
// 255 * 2^22 < 2^31: exact int32 arithmetic, no floats, no clamping.
const AXIS_BITS = 11;
const AXIS_ONE = 1 << AXIS_BITS;
const SHIFT = 2 * AXIS_BITS;
const HALF = 1 << (SHIFT - 1);

/**
 * Area-averaging weights from one size to a smaller one, computed once, for
 * scaling a whole image or only the output pixels a changed source rectangle
 * touches. An output pixel depends on its own source footprint alone and is
 * computed the same way whichever region asks for it, so keeping a scaled copy
 * current rectangle by rectangle gives exactly what scaling the whole
 * framebuffer again would.
 */
export class Downscaler {
  readonly source: Size;
  readonly target: Size;
  readonly #xs: AxisWeights;
  readonly #ys: AxisWeights;
  /** Horizontally filtered source rows, by source row modulo the ring size. */
  readonly #ring: Int32Array[];
  readonly #ringRow: Int32Array;

  constructor(source: Size, target: Size) {
    if (target.width > source.width || target.height > source.height || target.width < 1 || target.height < 1) {
      throw new RangeError(`scaling only shrinks; asked ${source.width}x${source.height} → ${target.width}x${target.height}`);
    }
    this.source = { width: source.width, height: source.height };
    this.target = { width: target.width, height: target.height };
    this.#xs = axisWeights(source.width, target.width);
    this.#ys = axisWeights(source.height, target.height);
    const ringSize = this.#ys.maxTaps + 1;
    this.#ring = Array.from({ length: ringSize }, () => new Int32Array(target.width * 4));
    this.#ringRow = new Int32Array(ringSize);
  }

  /** The output pixels whose value depends on any pixel of `rect` (a source rectangle), clipped to the image. */
  affected(rect: Rect): Rect {
    const x0 = Math.max(0, Math.floor(rect.x));
    const y0 = Math.max(0, Math.floor(rect.y));
    const x1 = Math.min(this.source.width, Math.ceil(rect.x + rect.width));
    const y1 = Math.min(this.source.height, Math.ceil(rect.y + rect.height));
    if (x1 <= x0 || y1 <= y0) return { x: 0, y: 0, width: 0, height: 0 };
    const dx0 = this.#xs.firstUser[x0]!;
    const dy0 = this.#ys.firstUser[y0]!;
    return { x: dx0, y: dy0, width: this.#xs.lastUser[x1 - 1]! + 1 - dx0, height: this.#ys.lastUser[y1 - 1]! + 1 - dy0 };
  }

  /** Recomputes the output pixels of `region` (target coordinates) into `out` from the RGBA source `src`. */
  scaleRegion(src: Uint8Array, out: Uint8Array, region: Rect): void {
    const { width: sw, height: sh } = this.source;
    const { width: dw, height: dh } = this.target;
    if (src.length < sw * sh * 4 || out.length < dw * dh * 4) throw new RangeError("scaleRegion: buffer smaller than its image");
    const dx0 = Math.max(0, region.x);
    const dy0 = Math.max(0, region.y);
    const dx1 = Math.min(dw, region.x + region.width);
    const dy1 = Math.min(dh, region.y + region.height);
    if (dx1 <= dx0 || dy1 <= dy0) return;
    const ys = this.#ys;
    const ring = this.#ring;
    const ringRow = this.#ringRow.fill(-1);
    for (let dy = dy0; dy < dy1; dy++) {
      const first = ys.first[dy]!;
      const taps = ys.taps[dy]!;
      const wAt = ys.offset[dy]!;
      for (let k = 0; k < taps; k++) {
        const sy = first + k;
        const slot = sy % ring.length;
        if (ringRow[slot] !== sy) {
          this.#filterRow(src, sy, dx0, dx1, ring[slot]!);
          ringRow[slot] = sy;
        }
      }
      const o = (dy * dw + dx0) * 4 - dx0 * 4;
      const r0 = ring[first % ring.length]!;
      const w0 = ys.weight[wAt]!;
      if (taps === 1) {
        for (let i = dx0 * 4; i < dx1 * 4; i++) out[o + i] = (HALF + w0 * r0[i]!) >> SHIFT;
      } else if (taps === 2) {
        const r1 = ring[(first + 1) % ring.length]!;
        const w1 = ys.weight[wAt + 1]!;
        for (let i = dx0 * 4; i < dx1 * 4; i++) out[o + i] = (HALF + w0 * r0[i]! + w1 * r1[i]!) >> SHIFT;
      } else if (taps === 3) {
        const r1 = ring[(first + 1) % ring.length]!;
        const r2 = ring[(first + 2) % ring.length]!;
        const w1 = ys.weight[wAt + 1]!;
        const w2 = ys.weight[wAt + 2]!;
        for (let i = dx0 * 4; i < dx1 * 4; i++) out[o + i] = (HALF + w0 * r0[i]! + w1 * r1[i]! + w2 * r2[i]!) >> SHIFT;
      } else {
        for (let i = dx0 * 4; i < dx1 * 4; i++) {
          let acc = HALF;
          for (let k = 0; k < taps; k++) acc += ys.weight[wAt + k]! * ring[(first + k) % ring.length]![i]!;
          out[o + i] = acc >> SHIFT;
        }
      }
    }
  }

  /** Horizontal pass of one source row over output columns [dx0, dx1), into `row` (indexed by output column). */
  #filterRow(src: Uint8Array, sy: number, dx0: number, dx1: number, row: Int32Array): void {
    const xs = this.#xs;
    const base = sy * this.source.width * 4;
    const weight = xs.weight;
    for (let dx = dx0; dx < dx1; dx++) {
      const taps = xs.taps[dx]!;
      const wAt = xs.offset[dx]!;
      const i = base + xs.first[dx]! * 4;
      const o = dx * 4;
      const w0 = weight[wAt]!;
      if (taps === 2) {
        const w1 = weight[wAt + 1]!;
        row[o] = src[i]! * w0 + src[i + 4]! * w1;
        row[o + 1] = src[i + 1]! * w0 + src[i + 5]! * w1;
        row[o + 2] = src[i + 2]! * w0 + src[i + 6]! * w1;
        row[o + 3] = src[i + 3]! * w0 + src[i + 7]! * w1;
      } else if (taps === 3) {
        const w1 = weight[wAt + 1]!;
        const w2 = weight[wAt + 2]!;
        row[o] = src[i]! * w0 + src[i + 4]! * w1 + src[i + 8]! * w2;
        row[o + 1] = src[i + 1]! * w0 + src[i + 5]! * w1 + src[i + 9]! * w2;
        row[o + 2] = src[i + 2]! * w0 + src[i + 6]! * w1 + src[i + 10]! * w2;
        row[o + 3] = src[i + 3]! * w0 + src[i + 7]! * w1 + src[i + 11]! * w2;
      } else {
        let r = 0, g = 0, b = 0, a = 0;
        for (let k = 0, j = i; k < taps; k++, j += 4) {
          const w = weight[wAt + k]!;
          r += src[j]! * w;
          g += src[j + 1]! * w;
          b += src[j + 2]! * w;
          a += src[j + 3]! * w;
        }
        row[o] = r;
        row[o + 1] = g;
        row[o + 2] = b;
        row[o + 3] = a;
      }
    }
  }
}

type AxisWeights = {
  /** Per output cell: its first source cell, how many it covers, and where its weights start. */
  first: Int32Array;
  taps: Int32Array;
  offset: Int32Array;
  /** Integer shares of each source cell in its output cell, summing to AXIS_ONE per output cell. */
  weight: Int32Array;
  maxTaps: number;
  /** Per source cell: the first and last output cells that read it. */
  firstUser: Int32Array;
  lastUser: Int32Array;
};

function axisWeights(srcLength: number, dstLength: number): AxisWeights {
  const scale = srcLength / dstLength;
  const first = new Int32Array(dstLength);
  const taps = new Int32Array(dstLength);
  const offset = new Int32Array(dstLength);
  const weight: number[] = [];
  const firstUser = new Int32Array(srcLength).fill(-1);
  const lastUser = new Int32Array(srcLength).fill(-1);
  let maxTaps = 1;
  for (let d = 0; d < dstLength; d++) {
    const from = d * scale;
    const to = (d + 1) * scale;
    const cells: { s: number; w: number; exact: number }[] = [];
    for (let s = Math.floor(from); s < Math.min(srcLength, Math.ceil(to)); s++) {
      const exact = ((Math.min(to, s + 1) - Math.max(from, s)) / scale) * AXIS_ONE;
      cells.push({ s, w: Math.round(exact), exact });
    }
    // Rounding may miss the total by a unit or two: give it to the largest share, where it matters least.
    const largest = cells.reduce((best, c) => (c.exact > best.exact ? c : best));
    largest.w += AXIS_ONE - cells.reduce((sum, c) => sum + c.w, 0);
    while (cells.length > 1 && cells[0]!.w === 0) cells.shift();
    while (cells.length > 1 && cells[cells.length - 1]!.w === 0) cells.pop();
    first[d] = cells[0]!.s;
    taps[d] = cells.length;
    offset[d] = weight.length;
    maxTaps = Math.max(maxTaps, cells.length);
    for (const c of cells) {
      weight.push(c.w);
      if (firstUser[c.s] === -1) firstUser[c.s] = d;
      lastUser[c.s] = d;
    }
  }
  // A source cell no output cell reads (possible only at a zero-width edge share) maps to its neighbours' users.
  for (let s = 0; s < srcLength; s++) {
    if (firstUser[s] !== -1) continue;
    const d = Math.min(dstLength - 1, Math.floor(s / scale));
    firstUser[s] = d;
    lastUser[s] = d;
  }
  return { first, taps, offset, weight: Int32Array.from(weight), maxTaps, firstUser, lastUser };
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
