// The screen as the model sees it: a copy of the framebuffer scaled to the
// model's size, brought up to date rectangle by rectangle whenever updates
// pause, and its PNG made ahead while the screen is idle after an action, so
// that a screenshot asked for once the screen has settled is usually ready.
//
// Correctness never rests on timing: every framebuffer update bumps a version,
// and a PNG is only ever returned for the version current when it was asked
// for. A PNG made ahead and overtaken by an update is simply not used.

import { encodePngNative } from "@deskfleet/rfb/image/png";
import type { PngImage } from "@deskfleet/rfb/image/png";
import { chooseTargetSize, DEFAULT_TARGETS, Downscaler, type Rect, type Size } from "@deskfleet/rfb/image/scale";
import { systemClock, type Clock, type SettleRect, type UpdateSource } from "./settle.ts";

/**
 * A framebuffer and its updates; RfbClient and VncConnection fit as is. Every
 * change to the pixels must be reported by an `update` naming its rectangles;
 * a framebuffer replaced outright (a reconnect, a resize) is noticed by identity.
 */
export type FrameSource = UpdateSource & {
  readonly framebuffer: { readonly width: number; readonly height: number; readonly data: Uint8Array };
};

export type ModelShot = { png: Uint8Array; width: number; height: number };

export type ModelFrameOptions = {
  /** Screenshot sizes to fit the screen to (aspect-matched). Default XGA, WXGA, FWXGA. */
  targets?: readonly Size[];
  clock?: Clock;
  /**
   * Scale (and after an action, encode) once no update has arrived for this
   * long. Default 100 ms: longer than nearly all gaps between x11vnc's frames
   * of a scroll animation here (30–45 ms typically, p90 45 ms), so the work
   * does not compete with the animation for the CPU or delay reading its
   * frames, and short enough that scaling (≤ 30 ms for the whole screen) and
   * encoding (~12 ms) finish within the quiet periods of settle-policy.ts.
   */
  idleMs?: number;
  /** How long after `prepare()` to keep working ahead if no screenshot is asked for. Default 30 s. */
  aheadMs?: number;
  /** The PNG encoder. It must read the pixels before it returns its promise. Default: native zlib off the event loop. */
  encode?: (image: PngImage) => Promise<Uint8Array>;
};

type Mirror = {
  /** The framebuffer pixels this copy was made from: a new array means a new framebuffer. */
  source: Uint8Array;
  screen: Size;
  model: Size;
  scaler: Downscaler;
  pixels: Uint8Array;
  dirty: DirtyBands;
};

export class ModelFrame {
  readonly #source: FrameSource;
  readonly #targets: readonly Size[];
  readonly #clock: Clock;
  readonly #idleMs: number;
  readonly #aheadMs: number;
  readonly #encode: (image: PngImage) => Promise<Uint8Array>;
  readonly #unsubscribe: () => void;
  /** Bumped by every update: a PNG belongs to exactly one version. */
  #version = 0;
  #mirror: Mirror | null = null;
  /** The PNG of one version, made or being made. */
  #shot: { version: number; promise: Promise<ModelShot> } | null = null;
  #aheadUntil = -Infinity;
  #cancelIdle: () => void = () => undefined;

  constructor(source: FrameSource, options: ModelFrameOptions = {}) {
    this.#source = source;
    this.#targets = options.targets ?? DEFAULT_TARGETS;
    this.#clock = options.clock ?? systemClock;
    this.#idleMs = options.idleMs ?? 100;
    this.#aheadMs = options.aheadMs ?? 30_000;
    this.#encode = options.encode ?? ((image) => encodePngNative(image, { dropAlpha: true }));
    this.#unsubscribe = source.on("update", ({ rects }) => this.#onUpdate(rects));
  }

  /** The number of updates seen: a PNG is valid for one value of this. */
  get version(): number {
    return this.#version;
  }

  /**
   * Says a screenshot will probably be asked for soon (an action is about to
   * run): until then, or `aheadMs`, also encode whenever the screen goes idle.
   */
  prepare(): void {
    this.#aheadUntil = this.#clock.now() + this.#aheadMs;
    // Also when the action changes nothing: then the screen as it is now is what will be asked for.
    this.#cancelIdle();
    this.#cancelIdle = this.#clock.setTimer(this.#idleMs, () => this.#workAhead());
  }

  /**
   * Works ahead after `ms` of quiet instead of `idleMs` (never later), for the
   * current pause only: a screenshot is expected then, e.g. when a settle will
   * answer 80 ms after a scroll's last repaint, sooner than `idleMs`.
   */
  workAheadIn(ms: number): void {
    this.#cancelIdle();
    this.#cancelIdle = this.#clock.setTimer(Math.max(0, Math.min(ms, this.#idleMs)), () => this.#workAhead());
  }

  /**
   * The screen now as a PNG at the model's size: made ahead if nothing changed
   * since, else made now. "Now" is when this is called: everything before the
   * first await runs at once.
   */
  async png(): Promise<ModelShot> {
    this.#aheadUntil = -Infinity;
    this.#cancelIdle();
    this.#bringUpToDate();
    return this.#shotOfNow();
  }

  /** Stops listening for updates. */
  close(): void {
    this.#cancelIdle();
    this.#unsubscribe();
  }

  #onUpdate(rects: readonly SettleRect[]): void {
    // Pixels the server resent unchanged (the client compared them: damage null) change nothing here.
    if (rects.length > 0 && rects.every((rect) => rect.damage === null)) return;
    this.#version++;
    const mirror = this.#mirror; // none yet: the first one is made from the whole framebuffer
    if (mirror) {
      for (const rect of rects) {
        if (rect.encoding !== undefined && rect.encoding < 0) continue; // pseudo-rectangles carry no pixels
        if (rect.damage === null) continue;
        mirror.dirty.add(mirror.scaler.affected(rect.damage ?? rect));
      }
    }
    // Scaling follows the screen at every pause, not only after actions: it costs
    // less than decoding the same pixels did, and leaves little for png() to do.
    this.#cancelIdle();
    this.#cancelIdle = this.#clock.setTimer(this.#idleMs, () => this.#workAhead());
  }

  #workAhead(): void {
    try {
      this.#bringUpToDate();
      if (this.#clock.now() < this.#aheadUntil) void this.#shotOfNow().catch(() => undefined); // whoever asks later sees the error
    } catch {
      // The framebuffer is unavailable (e.g. the VNC connection is down): png() will say so when asked.
    }
  }

  /** The PNG for the current version: the one made or being made for it, or a new one. */
  #shotOfNow(): Promise<ModelShot> {
    const version = this.#version;
    if (this.#shot?.version === version) return this.#shot.promise;
    const { model, pixels } = this.#mirror!;
    const promise = this.#encode({ width: model.width, height: model.height, channels: 4, data: pixels }).then((png) => ({
      png, width: model.width, height: model.height,
    }));
    const shot = { version, promise };
    this.#shot = shot;
    promise.catch(() => {
      if (this.#shot === shot) this.#shot = null; // a failed encode is retried by the next ask
    });
    return promise;
  }

  /** Rescales what changed since the last call, or everything for a new framebuffer. */
  #bringUpToDate(): void {
    const fb = this.#source.framebuffer;
    let mirror = this.#mirror;
    if (!mirror || mirror.source !== fb.data || mirror.screen.width !== fb.width || mirror.screen.height !== fb.height) {
      const screen = { width: fb.width, height: fb.height };
      const model = chooseTargetSize(screen, this.#targets);
      const reuse = mirror && mirror.screen.width === screen.width && mirror.screen.height === screen.height && sameSize(mirror.model, model);
      mirror = {
        source: fb.data,
        screen,
        model,
        scaler: reuse ? mirror!.scaler : new Downscaler(screen, model),
        pixels: reuse ? mirror!.pixels : new Uint8Array(model.width * model.height * 4),
        dirty: new DirtyBands(model),
      };
      mirror.dirty.add({ x: 0, y: 0, width: model.width, height: model.height });
      this.#mirror = mirror;
      this.#version++; // whatever was made from the old framebuffer is not this one
    }
    const { scaler, pixels } = mirror;
    mirror.dirty.drain((region) => scaler.scaleRegion(fb.data, pixels, region));
  }
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

/**
 * The model pixels to recompute, as one column range per band of rows. An
 * animation sends the same area over and over; merging by band rescales it
 * once, where a list of rectangles would rescale it once per frame.
 */
class DirtyBands {
  static readonly ROWS = 16;
  readonly #size: Size;
  /** Per band: first and one-past-last dirty column; empty when from >= to. */
  readonly #from: Int32Array;
  readonly #to: Int32Array;
  #any = false;

  constructor(size: Size) {
    this.#size = size;
    const bands = Math.ceil(size.height / DirtyBands.ROWS);
    this.#from = new Int32Array(bands).fill(size.width);
    this.#to = new Int32Array(bands);
  }

  add(rect: Rect): void {
    if (rect.width <= 0 || rect.height <= 0) return;
    const last = Math.floor((rect.y + rect.height - 1) / DirtyBands.ROWS);
    for (let band = Math.floor(rect.y / DirtyBands.ROWS); band <= last; band++) {
      this.#from[band] = Math.min(this.#from[band]!, rect.x);
      this.#to[band] = Math.max(this.#to[band]!, rect.x + rect.width);
    }
    this.#any = true;
  }

  /** Hands each dirty region to `recompute` and marks everything clean. */
  drain(recompute: (region: Rect) => void): void {
    if (!this.#any) return;
    this.#any = false;
    for (let band = 0; band < this.#from.length; band++) {
      const from = this.#from[band]!;
      const to = this.#to[band]!;
      if (from >= to) continue;
      this.#from[band] = this.#size.width;
      this.#to[band] = 0;
      // Neighbouring bands with the same columns go in one call: fewer horizontal passes at band edges.
      let rows = DirtyBands.ROWS;
      while (band + 1 < this.#from.length && this.#from[band + 1] === from && this.#to[band + 1] === to) {
        band++;
        this.#from[band] = this.#size.width;
        this.#to[band] = 0;
        rows += DirtyBands.ROWS;
      }
      const y = (band + 1) * DirtyBands.ROWS - rows;
      recompute({ x: from, y, width: to - from, height: Math.min(rows, this.#size.height - y) });
    }
  }
}
