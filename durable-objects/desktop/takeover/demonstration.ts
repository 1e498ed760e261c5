import type { SaveTrajectoryBody, TrajectoryAction, TrajectoryStep } from "@deskfleet/protocol";
import { Keysym } from "@deskfleet/rfb/keysyms";
import { decodePng } from "@deskfleet/rfb/image/png";
import { crop, cropRectAround, grayToPngSync, pngImageToGray, thumbnail, type Gray } from "@deskfleet/rfb/image/fingerprint";

/**
 * A person's takeover recorded as a trajectory: their pointer and key input,
 * as the relay's filter passed it (RFB PointerEvent and KeyEvent messages),
 * turned into the actions the agent speaks (clicks, drags, scrolls, typed
 * text, key combos), each with a fingerprint of the screen before it. The
 * screen is a screenshot DesktopDO takes (through the host, or its own RFB
 * session) once the person has paused for `quietMs` after an action: the
 * settled screen the next action starts from.
 */

export type DemonstrationDeps = {
  sql: SqlStorage;
  /** A PNG of the whole screen now, or null when none can be taken. */
  screenshot(): Promise<Uint8Array | null>;
  /** How long after an action the screen is photographed for the next one. Default 700 ms. */
  quietMs?: number;
  now?: () => number;
};

type Snapshot = { gray: Gray };
type Press = { x: number; y: number; button: number; before: Promise<Snapshot | null> };
type Typing = { text: string; at: { x: number; y: number }; before: Promise<Snapshot | null> };

const BUTTONS: Record<number, TrajectoryAction["name"]> = { 1: "left_click", 2: "middle_click", 4: "right_click" };
const WHEEL: Record<number, "up" | "down" | "left" | "right"> = { 8: "up", 16: "down", 32: "left", 64: "right" };
const MODIFIER_NAMES = new Map<number, string>([
  [Keysym.Control_L, "ctrl"], [Keysym.Control_R, "ctrl"], [Keysym.Alt_L, "alt"], [Keysym.Alt_R, "alt"],
  [Keysym.Super_L, "super"], [Keysym.Super_R, "super"], [Keysym.Meta_L, "super"], [Keysym.Meta_R, "super"],
  [Keysym.Shift_L, "shift"], [Keysym.Shift_R, "shift"],
]);
const KEY_NAMES = new Map<number, string>(Object.entries(Keysym).map(([name, sym]) => [sym, name]));
/** Two presses this close in time and place are one double (or triple) click. */
const MULTI_CLICK_MS = 500;
const MULTI_CLICK_PX = 4;
/** A press that travels further than this before its release is a drag. */
const DRAG_PX = 8;

export class DemonstrationRecorder {
  readonly #d: DemonstrationDeps;
  #on = false;
  #latest: Promise<Snapshot | null> = Promise.resolve(null);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pointer = { x: 0, y: 0 };
  #mask = 0;
  #press: Press | null = null;
  #typing: Typing | null = null;
  readonly #mods = new Set<number>();
  #lastClick: { x: number; y: number; at: number; count: number; idx: number } | null = null;
  /** Steps are written in order, each once its fingerprint is made. */
  #work: Promise<void> = Promise.resolve();

  constructor(deps: DemonstrationDeps) {
    this.#d = deps;
    deps.sql.exec(`CREATE TABLE IF NOT EXISTS demonstration_steps (idx INTEGER PRIMARY KEY, step TEXT NOT NULL)`);
    // A recording survives the object being evicted mid-takeover; only the pending screenshot is lost.
    const { n, last } = deps.sql.exec<{ n: number; last: number | null }>(`SELECT count(*) AS n, max(idx) AS last FROM demonstration_steps`).toArray()[0]!;
    this.#on = n > 0;
    this.#nextIdx = (last ?? 0) + 1;
  }

  get recording(): boolean {
    return this.#on;
  }

  /** A takeover began: forget any earlier recording and photograph the screen it starts from. */
  start(): void {
    this.#d.sql.exec(`DELETE FROM demonstration_steps`);
    this.#on = true;
    this.#nextIdx = 1;
    this.#press = null;
    this.#typing = null;
    this.#mods.clear();
    this.#lastClick = null;
    this.#latest = this.#snapshot();
  }

  /** The lease holder's input, as the relay passed it. */
  onInput(messages: readonly Uint8Array[]): void {
    if (!this.#on) return;
    for (const m of messages) {
      if (m[0] === 5 && m.length >= 6) this.#pointerEvent(m[1]!, (m[2]! << 8) | m[3]!, (m[4]! << 8) | m[5]!);
      else if (m[0] === 4 && m.length >= 8) this.#keyEvent(m[1] !== 0, ((m[4]! << 24) | (m[5]! << 16) | (m[6]! << 8) | m[7]!) >>> 0);
    }
  }

  /** The hand-back: the recorded steps and the screen they ended on, as a trajectory to save; null when nothing was recorded. */
  async finish(result: string): Promise<SaveTrajectoryBody | null> {
    if (!this.#on) return null;
    this.#flushTyping();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#work;
    this.#on = false;
    const rows = this.#d.sql.exec<{ step: string }>(`SELECT step FROM demonstration_steps ORDER BY idx`).toArray();
    this.#d.sql.exec(`DELETE FROM demonstration_steps`);
    const final = await this.#snapshot();
    if (rows.length === 0 || !final) return null;
    const steps = rows.map((r) => JSON.parse(r.step) as TrajectoryStep);
    return {
      screen: { width: final.gray.width, height: final.gray.height },
      steps,
      final: { thumb: b64(grayToPngSync(thumbnail(final.gray))) },
      result: result.slice(0, 50_000),
      basedOn: null,
      modelCalls: 0,
      costUsd: 0,
      wallMs: 0,
    };
  }

  /** The takeover ended without saving. */
  discard(): void {
    this.#on = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#d.sql.exec(`DELETE FROM demonstration_steps`);
  }

  #pointerEvent(mask: number, x: number, y: number): void {
    const pressed = mask & ~this.#mask;
    const released = this.#mask & ~mask;
    this.#mask = mask;
    this.#pointer = { x, y };
    for (const [bit, direction] of Object.entries(WHEEL)) {
      if (pressed & Number(bit)) {
        this.#flushTyping();
        this.#add({ name: "scroll", coordinate: [x, y], scroll_direction: direction, scroll_amount: 1, ...this.#modifierText() }, this.#latest, { x, y });
      }
    }
    const button = pressed & 7;
    if (button && !this.#press) {
      this.#flushTyping();
      this.#cancelSnapshot();
      this.#press = { x, y, button: button & -button, before: this.#latest };
    }
    const p = this.#press;
    if (p && released & p.button) {
      this.#press = null;
      const moved = Math.hypot(x - p.x, y - p.y) > DRAG_PX;
      if (moved && p.button === 1) {
        this.#add({ name: "left_click_drag", start_coordinate: [p.x, p.y], coordinate: [x, y], ...this.#modifierText() }, p.before, { x: p.x, y: p.y });
        return;
      }
      const now = (this.#d.now ?? Date.now)();
      const last = this.#lastClick;
      if (p.button === 1 && last && now - last.at <= MULTI_CLICK_MS && Math.abs(last.x - p.x) <= MULTI_CLICK_PX && Math.abs(last.y - p.y) <= MULTI_CLICK_PX && last.count < 3) {
        // The second (third) press of a double (triple) click: the step already written becomes one.
        const count = last.count + 1;
        this.#lastClick = { ...last, at: now, count };
        const idx = last.idx;
        this.#later(() => {
          const row = this.#d.sql.exec<{ step: string }>(`SELECT step FROM demonstration_steps WHERE idx = ?`, idx).toArray()[0];
          if (!row) return;
          const step = JSON.parse(row.step) as TrajectoryStep;
          step.action.name = count === 2 ? "double_click" : "triple_click";
          this.#d.sql.exec(`UPDATE demonstration_steps SET step = ? WHERE idx = ?`, JSON.stringify(step), idx);
        });
        this.#snapshotSoon();
        return;
      }
      const idx = this.#add({ name: BUTTONS[p.button] ?? "left_click", coordinate: [p.x, p.y], ...this.#modifierText() }, p.before, { x: p.x, y: p.y });
      this.#lastClick = p.button === 1 ? { x: p.x, y: p.y, at: now, count: 1, idx } : null;
    }
  }

  #keyEvent(down: boolean, keysym: number): void {
    if (MODIFIER_NAMES.has(keysym)) {
      if (down) this.#mods.add(keysym);
      else this.#mods.delete(keysym);
      return;
    }
    if (!down) return;
    const char = printable(keysym);
    const chord = [...this.#mods].some((k) => MODIFIER_NAMES.get(k) !== "shift");
    if (char !== null && !chord) {
      this.#cancelSnapshot();
      if (!this.#typing) this.#typing = { text: "", at: { ...this.#pointer }, before: this.#latest };
      this.#typing.text += char;
      return;
    }
    this.#flushTyping();
    const name = char ?? KEY_NAMES.get(keysym) ?? `0x${keysym.toString(16)}`;
    const mods = [...new Set([...this.#mods].map((k) => MODIFIER_NAMES.get(k)!))];
    this.#add({ name: "key", text: [...mods, name].join("+") }, this.#latest, { ...this.#pointer });
  }

  #modifierText(): { text?: string } {
    const mods = [...new Set([...this.#mods].map((k) => MODIFIER_NAMES.get(k)!))];
    return mods.length ? { text: mods.join("+") } : {};
  }

  #flushTyping(): void {
    const t = this.#typing;
    if (!t) return;
    this.#typing = null;
    this.#add({ name: "type", text: t.text }, t.before, t.at);
  }

  /** Writes a step once its before-screen is known; returns its index. */
  #add(action: TrajectoryAction, before: Promise<Snapshot | null>, target: { x: number; y: number }): number {
    const idx = this.#nextIdx++;
    const pointer: [number, number] = [this.#pointer.x, this.#pointer.y];
    this.#later(async () => {
      const shot = await before;
      if (!shot) return;
      const rect = cropRectAround(target, shot.gray);
      const step: TrajectoryStep = {
        action,
        origin: "person",
        before: { thumb: b64(grayToPngSync(thumbnail(shot.gray))), crop: { rect, png: b64(grayToPngSync(crop(shot.gray, rect))) }, pointer },
      };
      this.#d.sql.exec(`INSERT INTO demonstration_steps (idx, step) VALUES (?, ?)`, idx, JSON.stringify(step));
    });
    this.#snapshotSoon();
    return idx;
  }

  #nextIdx = 1;

  /** Queues work in order; one step that cannot be written does not stop the ones after it. */
  #later(work: () => void | Promise<void>): void {
    this.#work = this.#work.then(work).catch(() => undefined);
  }

  /** The screen the next action starts from: once the person has paused. */
  #snapshotSoon(): void {
    this.#cancelSnapshot();
    const pending = new Promise<Snapshot | null>((resolve) => {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        void this.#snapshot().then(resolve);
      }, this.#d.quietMs ?? 700);
      this.#resolvePending = resolve;
    });
    this.#latest = pending;
  }

  #resolvePending: ((s: Snapshot | null) => void) | null = null;

  /** The person acted again before the screen was photographed: the next action starts from the screen taken now. */
  #cancelSnapshot(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    const resolve = this.#resolvePending;
    this.#resolvePending = null;
    void this.#snapshot().then((s) => resolve?.(s));
  }

  async #snapshot(): Promise<Snapshot | null> {
    try {
      const png = await this.#d.screenshot();
      return png ? { gray: pngImageToGray(decodePng(png)) } : null;
    } catch {
      return null;
    }
  }
}

function printable(keysym: number): string | null {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return String.fromCharCode(keysym);
  if ((keysym & 0xff000000) === 0x01000000) return String.fromCodePoint(keysym & 0x00ffffff);
  return null;
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
