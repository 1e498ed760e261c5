import type { ActionInput, TrajectoryAction } from "@deskfleet/protocol";
import { modelToScreen, screenToModel, type Point, type Size } from "@deskfleet/rfb/image/scale";
import type { ActionOutcome, Desktop, ModelPoint, MouseButton } from "../agent/desktop.ts";

// Which actions a trajectory keeps, how each is stored (screen pixels), and
// how a stored one is executed again. One table: a new tool that acts on the
// screen (the vault's `type_secret`, say) gets one entry here.

type Kind = "pointer" | "keyboard" | "wait";
type Entry = {
  kind: Kind;
  /** Runs the stored action on the desktop; `at` maps a screen point (already moved) to the model's space. */
  run(d: Desktop, a: TrajectoryAction, at: (p: readonly [number, number]) => ModelPoint, signal?: AbortSignal): Promise<ActionOutcome | void>;
};

const click = (button: MouseButton, count: number): Entry => ({
  kind: "pointer",
  run: (d, a, at) => d.click(button, a.coordinate ? at(a.coordinate) : undefined, { count, ...(a.text ? { modifiers: a.text } : {}) }),
});

const ACTIONS: Record<string, Entry> = {
  left_click: click("left", 1),
  right_click: click("right", 1),
  middle_click: click("middle", 1),
  double_click: click("left", 2),
  triple_click: click("left", 3),
  mouse_move: { kind: "pointer", run: (d, a, at) => d.moveMouse(at(a.coordinate ?? [0, 0])) },
  left_click_drag: { kind: "pointer", run: (d, a, at) => d.drag(at(a.start_coordinate ?? [0, 0]), at(a.coordinate ?? [0, 0]), a.text) },
  left_mouse_down: { kind: "pointer", run: (d) => d.mouseDown("left") },
  left_mouse_up: { kind: "pointer", run: (d) => d.mouseUp("left") },
  scroll: { kind: "pointer", run: (d, a, at) => d.scroll(a.coordinate ? at(a.coordinate) : undefined, a.scroll_direction ?? "down", a.scroll_amount ?? 1, a.text) },
  key: { kind: "keyboard", run: (d, a) => d.key(a.text ?? "", a.repeat ?? 1) },
  hold_key: { kind: "keyboard", run: (d, a, _at, signal) => d.holdKey(a.text ?? "", (a.duration ?? 0) * 1000, signal) },
  type: { kind: "keyboard", run: (d, a) => d.type(a.text ?? "") },
  wait: { kind: "wait", run: (d, a, _at, signal) => d.wait((a.duration ?? 0) * 1000, signal) },
};

/**
 * Kept as a reference only: the secret's name, never its value. A replay asks
 * the vault for the value at that step (`ctx.secretValue`), as the model's
 * `type_secret` does.
 */
export const SECRET_ACTIONS = new Set(["type_secret"]);

/** Tools that change nothing a replay would have to redo: looking, asking, remembering. */
const LEAVES_NO_TRACE = new Set(["screenshot", "zoom", "cursor_position", "ask_human", "memory_search", "memory_save"]);

/** A tool a replay of screen actions cannot redo (a shell command, a file written, a browser driven over CDP): such a run is not recorded. */
export function isUnreplayable(name: string): boolean {
  return !isRecordable(name) && !LEAVES_NO_TRACE.has(name);
}

/** Whether a model action changes the screen and is kept in a trajectory (screenshots, zooms and questions are not). */
export function isRecordable(name: string): boolean {
  return name in ACTIONS || SECRET_ACTIONS.has(name);
}

/** Where a stored action's target is, for its crop: its coordinate, else (keyboard, a click in place) where the pointer is. */
export function targetOf(a: TrajectoryAction, pointer: Point): Point | null {
  const entry = ACTIONS[a.name];
  if (entry?.kind === "wait") return null;
  const c = a.name === "left_click_drag" ? a.start_coordinate : a.coordinate;
  return c ? { x: c[0], y: c[1] } : pointer;
}

export const isPointerAction = (a: TrajectoryAction) => ACTIONS[a.name]?.kind === "pointer" && (a.coordinate !== undefined || a.start_coordinate !== undefined);

/** An `action` event's input (model pixels) as a stored action (screen pixels); a secret is kept by name. */
export function toTrajectoryAction(name: string, input: ActionInput, model: Size, screen: Size): TrajectoryAction {
  const pt = (c: readonly [number, number]): [number, number] => {
    const p = modelToScreen({ x: c[0], y: c[1] }, model, screen);
    return [p.x, p.y];
  };
  if (SECRET_ACTIONS.has(name)) {
    return { name, secret: (input.name ?? "secret").slice(0, 100) };
  }
  return {
    name,
    ...(input.coordinate ? { coordinate: pt(input.coordinate) } : {}),
    ...(input.start_coordinate ? { start_coordinate: pt(input.start_coordinate) } : {}),
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.repeat !== undefined ? { repeat: Math.min(100, input.repeat) } : {}),
    ...(input.scroll_direction ? { scroll_direction: input.scroll_direction } : {}),
    ...(input.scroll_amount !== undefined ? { scroll_amount: Math.min(50, input.scroll_amount) } : {}),
    ...(input.duration !== undefined ? { duration: Math.min(30, input.duration) } : {}),
  };
}

/** A stored action moved by (dx, dy), as it is executed and recorded again. */
export function movedBy(a: TrajectoryAction, dx: number, dy: number): TrajectoryAction {
  if (dx === 0 && dy === 0) return a;
  const m = (c: readonly [number, number]): [number, number] => [c[0] + dx, c[1] + dy];
  return { ...a, ...(a.coordinate ? { coordinate: m(a.coordinate) } : {}), ...(a.start_coordinate ? { start_coordinate: m(a.start_coordinate) } : {}) };
}

/** The stored action as an `action` event's input, in the model's pixels. */
export function toActionInput(a: TrajectoryAction, model: Size, screen: Size): ActionInput {
  const pt = (c: readonly [number, number]): [number, number] => {
    const p = screenToModel({ x: c[0], y: c[1] }, model, screen);
    return [p.x, p.y];
  };
  return {
    ...(a.coordinate ? { coordinate: pt(a.coordinate) } : {}),
    ...(a.start_coordinate ? { start_coordinate: pt(a.start_coordinate) } : {}),
    ...(a.text !== undefined ? { text: a.text } : {}),
    ...(a.repeat !== undefined ? { repeat: a.repeat } : {}),
    ...(a.scroll_direction ? { scroll_direction: a.scroll_direction } : {}),
    ...(a.scroll_amount !== undefined ? { scroll_amount: a.scroll_amount } : {}),
    ...(a.duration !== undefined ? { duration: a.duration } : {}),
  };
}

/** Runs a stored action; null when this host cannot replay it (a secret without the vault). */
export async function runTrajectoryAction(d: Desktop, a: TrajectoryAction, signal?: AbortSignal): Promise<ActionOutcome | void | null> {
  const entry = ACTIONS[a.name];
  if (!entry) return null;
  const { screen, model } = d.info();
  return entry.run(d, a, (c) => screenToModel({ x: c[0], y: c[1] }, model, screen), signal);
}

/** A stored action in words, for the model's hand-over ("left_click at (412, 300)"), in the model's pixels. */
export function describeStep(a: TrajectoryAction, model: Size, screen: Size): string {
  const i = toActionInput(a, model, screen);
  const parts = [a.name];
  if (i.start_coordinate) parts.push(`from (${i.start_coordinate.join(", ")})`);
  if (i.coordinate) parts.push(`${i.start_coordinate ? "to" : "at"} (${i.coordinate.join(", ")})`);
  if (a.secret) parts.push(`secret "${a.secret}"`);
  if (i.text !== undefined) parts.push(a.name === "type" ? JSON.stringify(i.text.length > 60 ? `${i.text.slice(0, 60)}…` : i.text) : i.text);
  if (i.scroll_direction) parts.push(`${i.scroll_direction} ×${i.scroll_amount ?? 1}`);
  return parts.join(" ");
}
