import { Framebuffer } from "@deskfleet/rfb/framebuffer";
import type { SettleRect } from "../../screen/settle.ts";
import { RfbDesktop, type RfbDesktopOptions } from "../rfb-desktop.ts";

// TEST SUPPORT ONLY: a screen that lives in memory and stands where a VNC
// server would, so unit tests drive the real RfbDesktop (scaling, coordinate
// mapping, key combos, settle) without X. It records every input event and
// reacts visibly, as an app would: a press paints a mark at the pointer, a
// typed key advances a text line, a wheel click shifts a band. Each reaction
// is reported as a framebuffer update, which is what `settle` watches.

export type InputEvent =
  | { type: "pointer"; x: number; y: number; buttons: number }
  | { type: "key"; keysym: number; down: boolean };

type Listener = (update: { rects: readonly SettleRect[] }) => void;

export class InMemoryScreen {
  readonly framebuffer: Framebuffer;
  readonly events: InputEvent[] = [];
  readonly #listeners = new Set<Listener>();
  #buttons = 0;
  #caret = 0;
  readonly #keysDown = new Set<number>();
  /** Set to make input block (e.g. to test cancellation mid-action). */
  inputDelayMs = 0;

  constructor(width = 1920, height = 1080) {
    this.framebuffer = new Framebuffer(width, height);
    this.framebuffer.fillRect(0, 0, width, height, 240, 240, 240);
  }

  on(_event: "update", listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Paints a rectangle and reports it as an update, as a server would. */
  paint(x: number, y: number, w: number, h: number, rgb: [number, number, number]): void {
    const fb = this.framebuffer;
    const cx = Math.max(0, Math.min(fb.width, x));
    const cy = Math.max(0, Math.min(fb.height, y));
    const cw = Math.max(0, Math.min(fb.width, x + w) - cx);
    const ch = Math.max(0, Math.min(fb.height, y + h) - cy);
    if (cw === 0 || ch === 0) return;
    fb.fillRect(cx, cy, cw, ch, ...rgb);
    const rects = [{ x: cx, y: cy, width: cw, height: ch }];
    for (const l of [...this.#listeners]) l({ rects });
  }

  async pointer(x: number, y: number, buttons = 0): Promise<void> {
    await this.#delay();
    this.events.push({ type: "pointer", x, y, buttons });
    const pressed = buttons & ~this.#buttons;
    this.#buttons = buttons;
    if (pressed & 0b111) {
      this.paint(x - 6, y - 6, 12, 12, [200, 30, 30]); // a click mark
      // A status strip away from the pointer, coloured by where the click was: the same click twice leaves the same screen.
      this.paint(0, this.framebuffer.height - 20, this.framebuffer.width, 20, [x % 256, y % 256, 99]);
    }
    if (pressed & 0b1111000) this.paint(0, 900, this.framebuffer.width, 40, [30, 30, 200 - (this.events.length % 50)]); // scrolled band
  }

  async key(keysym: number, down: boolean): Promise<void> {
    await this.#delay();
    this.events.push({ type: "key", keysym, down });
    if (down) this.#keysDown.add(keysym);
    else this.#keysDown.delete(keysym);
    if (down && keysym < 0xff00 || down && keysym >= 0x01000000) {
      this.paint(20 + (this.#caret % 150) * 12, 40, 10, 16, [20, 20, 20]); // a glyph
      this.#caret++;
    }
  }

  /** Keys currently held down (nothing should be held once a task ends). */
  get keysDown(): ReadonlySet<number> {
    return this.#keysDown;
  }

  get buttons(): number {
    return this.#buttons;
  }

  /** Presses (button went down) at screen positions, oldest first. */
  presses(mask = 0b111): { x: number; y: number; buttons: number }[] {
    const out: { x: number; y: number; buttons: number }[] = [];
    let prev = 0;
    for (const e of this.events) {
      if (e.type !== "pointer") continue;
      if (e.buttons & ~prev & mask) out.push({ x: e.x, y: e.y, buttons: e.buttons & ~prev });
      prev = e.buttons;
    }
    return out;
  }

  /** The text typed: key-down events of printable keysyms, decoded. */
  typedText(): string {
    let s = "";
    for (const e of this.events) {
      if (e.type !== "key" || !e.down) continue;
      if (e.keysym >= 0x01000000) s += String.fromCodePoint(e.keysym - 0x01000000);
      else if (e.keysym >= 0x20 && e.keysym <= 0xff) s += String.fromCharCode(e.keysym);
      else if (e.keysym === 0xff0d) s += "\n";
    }
    return s;
  }

  async #delay(): Promise<void> {
    if (this.inputDelayMs > 0) await new Promise((r) => setTimeout(r, this.inputDelayMs));
  }
}

/** Fast settle timings for unit tests: the in-memory screen reacts synchronously. */
export const FAST_SETTLE = { changeWindowMs: 30, quietMs: 10, capMs: 200 } as const;

/** A real RfbDesktop over an in-memory screen (1920x1080 by default, shown to the model at 1366x768). */
export function createInMemoryDesktop(options: RfbDesktopOptions & { width?: number; height?: number } = {}): { screen: InMemoryScreen; desktop: RfbDesktop } {
  const screen = new InMemoryScreen(options.width, options.height);
  const desktop = new RfbDesktop(screen, { settle: FAST_SETTLE, dragStepMs: 1, ...options });
  return { screen, desktop };
}
