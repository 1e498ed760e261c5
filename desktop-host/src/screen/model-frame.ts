// The screen as the model sees it: a copy of the framebuffer scaled to the
// model's size and kept current rectangle by rectangle as updates arrive, and
// its PNG made ahead while the screen is idle after an action, so that a
// screenshot asked for once the screen has settled is usually ready already.
//
// Correctness never rests on timing: every framebuffer update bumps a version,
// and a PNG is only ever returned for the version current when it was asked
// for. A PNG made ahead and overtaken by an update is simply not used.

import { encodePngOffThread } from "./png-node.ts";
import type { PngImage } from "./png.ts";
import { chooseTargetSize, DEFAULT_TARGETS, Downscaler, type Rect, type Size } from "./scale.ts";
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
   * Work ahead once no update has arrived for this long. Default 40 ms: longer
   * than the gaps between x11vnc's updates during a scroll animation here
   * (25–40 ms typically), so an animation is not re-encoded frame by frame,
   * and short enough that the PNG is ready well within any quiet period of
   * settle-policy.ts.
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
};

/** Rectangles kept separately before they are merged into one box (bounds the bookkeeping during long animations). */
const MAX_DIRTY_RECTS = 64;

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
  /** Source rectangles changed since the scaled copy was last brought up to date. */
  #dirty: Rect[] = [];
  #mirror: Mirror | null = null;
  /** The PNG of one version, made or being made. */
  #shot: { version: number; promise: Promise<ModelShot> } | null = null;
  #aheadUntil = -Infinity;
  #cancelIdle: () => void = () => undefined;

  constructor(source: FrameSource, options: ModelFrameOptions = {}) {
    this.#source = source;
    this.#targets = options.targets ?? DEFAULT_TARGETS;
    this.#clock = options.clock ?? systemClock;
    this.#idleMs = options.idleMs ?? 40;
    this.#aheadMs = options.aheadMs ?? 30_000;
    this.#encode = options.encode ?? ((image) => encodePngOffThread(image, { dropAlpha: true }));
    this.#unsubscribe = source.on("update", ({ rects }) => this.#onUpdate(rects));
  }

  /** The number of updates seen: a PNG is valid for one value of this. */
  get version(): number {
    return this.#version;
  }

  /**
   * Says a screenshot will probably be asked for soon (an action is about to
   * run): until then, or `aheadMs`, scale and encode whenever the screen goes idle.
   */
  prepare(): void {
    this.#aheadUntil = this.#clock.now() + this.#aheadMs;
    // Also when the action changes nothing: then the screen as it is now is what will be asked for.
    this.#cancelIdle();
    this.#cancelIdle = this.#clock.setTimer(this.#idleMs, () => this.#workAhead());
  }

  /** The screen now as a PNG at the model's size: made ahead if nothing changed since, else made now. */
  png(): Promise<ModelShot> {
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
    this.#version++;
    for (const rect of rects) {
      if (rect.encoding !== undefined && rect.encoding < 0) continue; // pseudo-rectangles carry no pixels
      this.#dirty.push({ x: rect.x, y: rect.y, width: rect.width, height: rect.height });
    }
    if (this.#dirty.length > MAX_DIRTY_RECTS) this.#dirty = [boundingBox(this.#dirty)];
    this.#cancelIdle();
    if (this.#clock.now() < this.#aheadUntil) this.#cancelIdle = this.#clock.setTimer(this.#idleMs, () => this.#workAhead());
  }

  #workAhead(): void {
    if (this.#clock.now() >= this.#aheadUntil) return;
    try {
      this.#bringUpToDate();
      void this.#shotOfNow().catch(() => undefined); // whoever asks later sees the error, or a new attempt
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
      };
      this.#mirror = mirror;
      this.#dirty = [{ x: 0, y: 0, width: screen.width, height: screen.height }];
      this.#version++; // whatever was made from the old framebuffer is not this one
    }
    if (this.#dirty.length === 0) return;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const rect of dirty) mirror.scaler.scaleRegion(fb.data, mirror.pixels, mirror.scaler.affected(rect));
  }
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

function boundingBox(rects: readonly Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.width));
  const y1 = Math.max(...rects.map((r) => r.y + r.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
