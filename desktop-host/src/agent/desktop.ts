import type { RgbaImage, Size } from "@deskfleet/rfb/image/scale";

// What the computer-use loop drives. Every coordinate here is in the model's
// space (the screenshot it was shown); an implementation maps to the real
// screen. Every input action waits for the screen to settle before resolving.

export type ModelPoint = { x: number; y: number };
export type MouseButton = "left" | "middle" | "right";
export type ScrollDirection = "up" | "down" | "left" | "right";
/** A region in model pixels, as the zoom member gives it: (x0, y0) top-left, (x1, y1) bottom-right. */
export type ModelRegion = { x0: number; y0: number; x1: number; y1: number };

export type Screenshot = { png: Uint8Array; width: number; height: number };

export type DesktopInfo = {
  /** Operating system, as told to the model ("Linux", "macOS 15", ...). */
  os: string;
  /** The real screen, in pixels. */
  screen: Size;
  /** What the model sees and clicks in: the screenshot size. */
  model: Size;
};

/** What an input action observed while the screen settled. */
export type ActionOutcome = { changed: boolean; settleMs: number };

export type ClickOptions = {
  /** 1 click, 2 double, 3 triple. */
  count?: number;
  /** Keys held during the click, xdotool-style ("ctrl", "ctrl+shift"). */
  modifiers?: string;
};

export interface Desktop {
  info(): DesktopInfo;
  screenshot(): Promise<Screenshot>;
  /** The region at full screen resolution, scaled to fit the model's screenshot size. */
  zoom(region: ModelRegion): Promise<Screenshot>;
  /** Cheap identity of what is on screen now, for loop detection (equal screens, equal strings). */
  fingerprint(): string;
  cursorPosition(): ModelPoint;

  moveMouse(to: ModelPoint): Promise<ActionOutcome>;
  click(button: MouseButton, at: ModelPoint | undefined, options?: ClickOptions): Promise<ActionOutcome>;
  mouseDown(button: MouseButton): Promise<ActionOutcome>;
  mouseUp(button: MouseButton): Promise<ActionOutcome>;
  drag(from: ModelPoint, to: ModelPoint, modifiers?: string): Promise<ActionOutcome>;
  scroll(at: ModelPoint | undefined, direction: ScrollDirection, amount: number, modifiers?: string): Promise<ActionOutcome>;
  /** Presses an xdotool-style combo ("ctrl+l", "Return") `repeat` times. */
  key(combo: string, repeat?: number): Promise<ActionOutcome>;
  /** Holds a combo down for `ms`, then releases it (early if `signal` aborts). */
  holdKey(combo: string, ms: number, signal?: AbortSignal): Promise<ActionOutcome>;
  /** Types Unicode text. */
  type(text: string): Promise<ActionOutcome>;
  /** Waits `ms` (the model asked to), ending early if `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  /** Releases every key and mouse button this desktop holds down. */
  releaseAll(): Promise<void>;
  /** The screen now at full resolution (RGBA, live: read it before the next await). For trajectory fingerprints; a desktop without it is not recorded. */
  frame?(): RgbaImage;
}
