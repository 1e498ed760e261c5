import { Keysym, parseKeyCombo, textToKeyStrokes } from "@deskfleet/rfb/keysyms";
import { ButtonMask, MULTI_CLICK_GAP_MS, WheelMask } from "@deskfleet/rfb/pointer-buttons";
import { ModelFrame, type FrameSource } from "../screen/model-frame.ts";
import { encodePngNative } from "@deskfleet/rfb/image/png";
import {
  chooseTargetSize, cropRgba, DEFAULT_TARGETS, modelRectToScreen, modelToScreen, screenToModel,
  type RgbaImage, type Size,
} from "@deskfleet/rfb/image/scale";
import { settlePolicy, type ActionKind } from "../screen/settle-policy.ts";
import { pointerRegion, settleAfter, systemClock, type Clock, type SettleOptions, type SettleResult } from "../screen/settle.ts";
import type {
  ActionOutcome, ClickOptions, Desktop, DesktopInfo, ModelPoint, ModelRegion, MouseButton, Screenshot, ScrollDirection,
} from "./desktop.ts";
import { upscaleToFit } from "./zoom-image.ts";

/** What the desktop needs of an RFB connection; `RfbClient` fits as is. Every pixel change must come with an `update`. */
export type RfbConnection = FrameSource & {
  pointer(x: number, y: number, buttonMask?: number): Promise<void>;
  key(keysym: number, down: boolean): Promise<void>;
};

export type RfbDesktopOptions = {
  /** Told to the model in the system prompt. Default "Linux". */
  os?: string;
  /** Screenshot sizes to fit the screen to (aspect-matched). Default XGA, WXGA, FWXGA. */
  targets?: readonly Size[];
  /** One settle setting for every action, instead of the per-action policy of settle-policy.ts (tests use fast timings). */
  settle?: SettleOptions;
  clock?: Clock;
  /** Told how each action settled: for benchmarks and diagnostics. */
  onSettled?: (kind: ActionKind, result: SettleResult) => void;
  /** Motion events between the ends of a drag: apps (HTML5 drag and drop) need to see movement. Default 8. */
  dragSteps?: number;
  /** Pause between those motion events, ms: gesture pacing, not settling. Default 15. */
  dragStepMs?: number;
};

/**
 * How long after the pointer moves a repaint of it may still come: a server
 * that draws the pointer into the framebuffer (x11vnc) sends it at its next
 * poll, later on a loaded machine. 300 ms is over three times what x11vnc
 * took under load in CI.
 */
const POINTER_REPAINT_MS = 300;
/**
 * How long before a settle's answer the model frame starts on the screenshot:
 * scaling what a scroll changed and encoding took 35–70 ms after the answer
 * on the bench's busy 2-core machine.
 */
const SCREENSHOT_LEAD_MS = 50;
/** Longest `wait` or `hold_key` honoured; longer asks are cut so a task cannot idle for minutes. */
export const MAX_WAIT_MS = 30_000;

/** A desktop driven over RFB: screenshots from the in-memory framebuffer, input as RFB events. */
export class RfbDesktop implements Desktop {
  readonly #rfb: RfbConnection;
  readonly #os: string;
  readonly #targets: readonly Size[];
  readonly #settle: SettleOptions | undefined;
  readonly #clock: Clock;
  readonly #onSettled: ((kind: ActionKind, result: SettleResult) => void) | undefined;
  /** The screen at the model's size, kept scaled and encoded ahead: screenshots come from here. */
  readonly #frame: ModelFrame;
  readonly #dragSteps: number;
  readonly #dragStepMs: number;
  /** Where we last put the pointer, in screen pixels (RFB cannot ask the server). */
  #pointer = { x: 0, y: 0 };
  #pointerMovedAt = Number.NEGATIVE_INFINITY;
  #buttons = 0;
  readonly #heldKeys = new Set<number>();

  constructor(rfb: RfbConnection, options: RfbDesktopOptions = {}) {
    this.#rfb = rfb;
    this.#os = options.os ?? "Linux";
    this.#targets = options.targets ?? DEFAULT_TARGETS;
    this.#settle = options.settle;
    this.#clock = options.clock ?? systemClock;
    this.#onSettled = options.onSettled;
    this.#frame = new ModelFrame(rfb, { targets: this.#targets, clock: this.#clock });
    this.#dragSteps = options.dragSteps ?? 8;
    this.#dragStepMs = options.dragStepMs ?? 15;
  }

  info(): DesktopInfo {
    const screen = this.#screen();
    return { os: this.#os, screen, model: chooseTargetSize(screen, this.#targets) };
  }

  /** The screen now, as the model sees it; usually encoded already, while the screen settled after the last action. */
  async screenshot(): Promise<Screenshot> {
    return await this.#frame.png();
  }

  async zoom(region: ModelRegion): Promise<Screenshot> {
    const { screen, model } = this.info();
    const rect = modelRectToScreen({ x: region.x0, y: region.y0, width: region.x1 - region.x0, height: region.y1 - region.y0 }, model, screen);
    if (rect.width === 0 || rect.height === 0) throw new RangeError(`The zoom region ${JSON.stringify(region)} is empty or off the screen.`);
    const crop = cropRgba(this.#image(screen), rect);
    const fitted = upscaleToFit(crop, model);
    return { png: await encodePngNative({ ...fitted, channels: 4 }, { dropAlpha: true }), width: fitted.width, height: fitted.height };
  }

  fingerprint(): string {
    // FNV-1a over every pixel word: a few ms for a 1080p screen, far less than a model call.
    const { data } = this.#rfb.framebuffer;
    const words = new Uint32Array(data.buffer, data.byteOffset, data.byteLength >>> 2);
    let h = 0x811c9dc5;
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    return `${this.#rfb.framebuffer.width}x${this.#rfb.framebuffer.height}:${(h >>> 0).toString(16)}`;
  }

  cursorPosition(): ModelPoint {
    const { screen, model } = this.info();
    return screenToModel(this.#pointer, model, screen);
  }

  moveMouse(to: ModelPoint): Promise<ActionOutcome> {
    const target = this.#toScreen(to);
    return this.#act("move", target, () => this.#move(target));
  }

  click(button: MouseButton, at: ModelPoint | undefined, options: ClickOptions = {}): Promise<ActionOutcome> {
    const target = at ? this.#toScreen(at) : this.#pointer;
    const count = options.count ?? 1;
    return this.#act("click", target, () => this.#withModifiers(options.modifiers, async () => {
      await this.#move(target);
      for (let i = 0; i < count; i++) {
        if (i > 0) await this.#pause(MULTI_CLICK_GAP_MS);
        await this.#press(ButtonMask[button]);
        await this.#release(ButtonMask[button]);
      }
    }));
  }

  mouseDown(button: MouseButton): Promise<ActionOutcome> {
    return this.#act("click", this.#pointer, () => this.#press(ButtonMask[button]));
  }

  mouseUp(button: MouseButton): Promise<ActionOutcome> {
    return this.#act("drag", this.#pointer, () => this.#release(ButtonMask[button]));
  }

  drag(from: ModelPoint, to: ModelPoint, modifiers?: string): Promise<ActionOutcome> {
    const start = this.#toScreen(from);
    const end = this.#toScreen(to);
    return this.#act("drag", end, () => this.#withModifiers(modifiers, async () => {
      await this.#move(start);
      await this.#press(ButtonMask.left);
      for (let i = 1; i <= this.#dragSteps; i++) {
        await this.#pause(this.#dragStepMs);
        await this.#move({
          x: Math.round(start.x + ((end.x - start.x) * i) / this.#dragSteps),
          y: Math.round(start.y + ((end.y - start.y) * i) / this.#dragSteps),
        });
      }
      await this.#pause(this.#dragStepMs);
      await this.#release(ButtonMask.left);
    }), start);
  }

  scroll(at: ModelPoint | undefined, direction: ScrollDirection, amount: number, modifiers?: string): Promise<ActionOutcome> {
    const target = at ? this.#toScreen(at) : this.#pointer;
    const clicks = Math.max(1, Math.min(50, Math.round(amount)));
    return this.#act("scroll", target, () => this.#withModifiers(modifiers, async () => {
      await this.#move(target);
      for (let i = 0; i < clicks; i++) {
        await this.#press(WheelMask[direction]);
        await this.#release(WheelMask[direction]);
      }
    }));
  }

  key(combo: string, repeat = 1): Promise<ActionOutcome> {
    const keysyms = parseKeyCombo(combo);
    const times = Math.max(1, Math.min(100, Math.round(repeat)));
    return this.#act(isEditCombo(keysyms) ? "edit" : "key", this.#pointer, async () => {
      for (let i = 0; i < times; i++) {
        for (const k of keysyms) await this.#keyDown(k);
        for (const k of keysyms.toReversed()) await this.#keyUp(k);
      }
    });
  }

  holdKey(combo: string, ms: number, signal?: AbortSignal): Promise<ActionOutcome> {
    const keysyms = parseKeyCombo(combo);
    return this.#act("key", this.#pointer, async () => {
      for (const k of keysyms) await this.#keyDown(k);
      try {
        await this.wait(ms, signal);
      } finally {
        for (const k of keysyms.toReversed()) await this.#keyUp(k);
      }
    });
  }

  type(text: string): Promise<ActionOutcome> {
    const strokes = textToKeyStrokes(text);
    // A Return or a Tab in the text may submit a form or move the focus: that settles as a key.
    const startsSomething = strokes.some((s) => s.keysym === Keysym.Return || s.keysym === Keysym.Tab);
    return this.#act(startsSomething ? "key" : "type", this.#pointer, async () => {
      for (const s of strokes) await (s.down ? this.#keyDown(s.keysym) : this.#keyUp(s.keysym));
    });
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    const duration = Math.max(0, Math.min(MAX_WAIT_MS, ms));
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => { cancel(); resolve(); };
      const cancel = this.#clock.setTimer(duration, () => { signal?.removeEventListener("abort", onAbort); resolve(); });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  async releaseAll(): Promise<void> {
    for (const k of [...this.#heldKeys].toReversed()) await this.#keyUp(k);
    // Modifiers a held combo may have left on, released even if we lost track of them.
    for (const k of [Keysym.Shift_L, Keysym.Control_L, Keysym.Alt_L, Keysym.Super_L]) await this.#rfb.key(k, false);
    if (this.#buttons !== 0) {
      this.#buttons = 0;
      await this.#rfb.pointer(this.#pointer.x, this.#pointer.y, 0);
    }
  }

  #screen(): Size {
    return { width: this.#rfb.framebuffer.width, height: this.#rfb.framebuffer.height };
  }

  #image(screen: Size): RgbaImage {
    return { width: screen.width, height: screen.height, data: this.#rfb.framebuffer.data };
  }

  #toScreen(point: ModelPoint): { x: number; y: number } {
    const { screen, model } = this.info();
    return modelToScreen(point, model, screen);
  }

  /**
   * Runs an input action and waits for the screen to settle, by the policy for
   * its kind. The pointer's boxes do not count while it moves, or while a
   * repaint of its last move may still come; a pointer at rest draws nothing
   * by itself, so then everything counts (text typed right beside it too).
   * Once the input is sent the model frame works ahead, since a screenshot
   * usually follows an action: at the latest SCREENSHOT_LEAD_MS before the
   * settle will answer.
   */
  async #act(kind: ActionKind, to: { x: number; y: number }, action: () => Promise<void>, from = this.#pointer): Promise<ActionOutcome> {
    const settle = this.#settle ?? settlePolicy(kind);
    const here = this.#pointer;
    const atRest = samePoint(from, here) && samePoint(to, here) && this.#clock.now() - this.#pointerMovedAt > POINTER_REPAINT_MS;
    const ignore = [...(settle.ignore ?? []), ...(atRest ? [] : [pointerRegion(from), pointerRegion(to), pointerRegion(here)])];
    const sent = async () => {
      await action();
      this.#frame.prepare();
    };
    const onQuiet = (settledInMs: number) => this.#frame.workAheadIn(settledInMs - SCREENSHOT_LEAD_MS);
    const result = await settleAfter(this.#rfb, sent, { ...settle, ignore, onQuiet }, this.#clock);
    this.#onSettled?.(kind, result);
    return { changed: result.changed, settleMs: result.elapsedMs };
  }

  async #withModifiers(modifiers: string | undefined, body: () => Promise<void>): Promise<void> {
    const keysyms = modifiers ? parseKeyCombo(modifiers) : [];
    for (const k of keysyms) await this.#keyDown(k);
    try {
      await body();
    } finally {
      for (const k of keysyms.toReversed()) await this.#keyUp(k);
    }
  }

  async #move(to: { x: number; y: number }): Promise<void> {
    const moved = !samePoint(to, this.#pointer);
    this.#pointer = { x: to.x, y: to.y };
    await this.#rfb.pointer(to.x, to.y, this.#buttons);
    if (moved) this.#pointerMovedAt = this.#clock.now();
  }

  async #press(mask: number): Promise<void> {
    this.#buttons |= mask;
    await this.#rfb.pointer(this.#pointer.x, this.#pointer.y, this.#buttons);
  }

  async #release(mask: number): Promise<void> {
    this.#buttons &= ~mask;
    await this.#rfb.pointer(this.#pointer.x, this.#pointer.y, this.#buttons);
  }

  async #keyDown(keysym: number): Promise<void> {
    this.#heldKeys.add(keysym);
    await this.#rfb.key(keysym, true);
  }

  async #keyUp(keysym: number): Promise<void> {
    this.#heldKeys.delete(keysym);
    await this.#rfb.key(keysym, false);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimer(ms, resolve));
  }
}

const EDIT_KEYS = new Set<number>([Keysym.BackSpace, Keysym.Delete, Keysym.KP_Delete]);
// With Ctrl: select all, copy, cut, paste, undo, redo (either case: Shift may be held too).
const EDIT_SHORTCUTS = new Set([..."acxvzyACXVZY"].map((c) => c.charCodeAt(0)));
const EDIT_MODIFIERS = new Set<number>([Keysym.Control_L, Keysym.Control_R, Keysym.Shift_L, Keysym.Shift_R]);

/**
 * Whether a combo only edits text where it is (BackSpace, Delete, Ctrl+A/C/X/V/Z/Y,
 * with Ctrl or Shift at most): such a key repaints once and starts nothing, so
 * it settles by the short "edit" policy. Everything else is a "key".
 */
function isEditCombo(keysyms: readonly number[]): boolean {
  const keys = keysyms.filter((k) => !EDIT_MODIFIERS.has(k));
  if (keys.length !== 1 || keysyms.length - keys.length > 2) return false;
  const ctrl = keysyms.includes(Keysym.Control_L) || keysyms.includes(Keysym.Control_R);
  return EDIT_KEYS.has(keys[0]!) || (ctrl && EDIT_SHORTCUTS.has(keys[0]!));
}

function samePoint(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return a.x === b.x && a.y === b.y;
}
