import {
  BetaAbstractComputerToolset20260801, ToolError, type BetaScreenshotResult, type BetaToolsetCallContext,
} from "@anthropic-ai/sdk/helpers/beta/toolsets";
import type {
  BetaComputerDoubleClickInput, BetaComputerHoldKeyInput, BetaComputerKeyInput, BetaComputerLeftClickDragInput,
  BetaComputerLeftClickInput, BetaComputerMiddleClickInput, BetaComputerMouseMoveInput, BetaComputerRightClickInput,
  BetaComputerScrollInput, BetaComputerTripleClickInput, BetaComputerTypeInput, BetaComputerWaitInput, BetaComputerZoomInput,
  BetaToolResultBlockParam, BetaToolUseBlock,
} from "@anthropic-ai/sdk/resources/beta";
import type { BetaComputerCursorPositionResult } from "@anthropic-ai/sdk/helpers/beta/toolsets";
import type { ActionOutcome, Desktop, ModelPoint, MouseButton, Screenshot, ScrollDirection } from "./desktop.ts";

// The GA `computer_toolset_20260801` driver: every member, on a Desktop. The
// SDK's pipeline resolves the member, renders the tool_result and turns a
// thrown error into an is_error result the model can recover from.

type Ctx = BetaToolsetCallContext;
type ClickInput = BetaComputerLeftClickInput | BetaComputerRightClickInput | BetaComputerMiddleClickInput | BetaComputerDoubleClickInput | BetaComputerTripleClickInput;

const SCROLL_DIRECTIONS: readonly ScrollDirection[] = ["up", "down", "left", "right"];

export class DesktopComputerToolset extends BetaAbstractComputerToolset20260801 {
  readonly #desktop: Desktop;

  constructor(desktop: Desktop) {
    // `type`, `key` and `hold_key` require a confirm callable in the SDK. The task
    // itself is the authorisation here (nobody sits at the host to confirm), so
    // every call is approved; policy belongs in the prompt and the control plane.
    super({ confirm: () => true });
    this.#desktop = desktop;
  }

  protected override async key(_ctx: Ctx, input: BetaComputerKeyInput): Promise<string | void> {
    return note(await this.#desktop.key(text(input.text, "text"), input.repeat ?? 1));
  }

  protected override async hold_key(ctx: Ctx, input: BetaComputerHoldKeyInput): Promise<string | void> {
    return note(await this.#desktop.holdKey(text(input.text, "text"), seconds(input.duration) * 1000, ctx.signal ?? undefined));
  }

  protected override async type_(_ctx: Ctx, input: BetaComputerTypeInput): Promise<string | void> {
    return note(await this.#desktop.type(text(input.text, "text")));
  }

  protected override cursor_position(): BetaComputerCursorPositionResult {
    return this.#desktop.cursorPosition();
  }

  protected override async mouse_move(_ctx: Ctx, input: BetaComputerMouseMoveInput): Promise<string | void> {
    return note(await this.#desktop.moveMouse(point(input.coordinate, "coordinate")));
  }

  protected override async left_mouse_down(): Promise<string | void> {
    return note(await this.#desktop.mouseDown("left"));
  }

  protected override async left_mouse_up(): Promise<string | void> {
    return note(await this.#desktop.mouseUp("left"));
  }

  protected override left_click(_ctx: Ctx, input: BetaComputerLeftClickInput): Promise<string | void> {
    return this.#click("left", input, 1);
  }

  protected override right_click(_ctx: Ctx, input: BetaComputerRightClickInput): Promise<string | void> {
    return this.#click("right", input, 1);
  }

  protected override middle_click(_ctx: Ctx, input: BetaComputerMiddleClickInput): Promise<string | void> {
    return this.#click("middle", input, 1);
  }

  protected override double_click(_ctx: Ctx, input: BetaComputerDoubleClickInput): Promise<string | void> {
    return this.#click("left", input, 2);
  }

  protected override triple_click(_ctx: Ctx, input: BetaComputerTripleClickInput): Promise<string | void> {
    return this.#click("left", input, 3);
  }

  protected override async left_click_drag(_ctx: Ctx, input: BetaComputerLeftClickDragInput): Promise<string | void> {
    const from = point(input.start_coordinate, "start_coordinate");
    const to = point(input.coordinate, "coordinate");
    return note(await this.#desktop.drag(from, to, input.text ?? undefined));
  }

  protected override async scroll(_ctx: Ctx, input: BetaComputerScrollInput): Promise<string | void> {
    if (!SCROLL_DIRECTIONS.includes(input.scroll_direction)) {
      throw new ToolError(`scroll_direction must be one of ${SCROLL_DIRECTIONS.join(", ")}; got ${JSON.stringify(input.scroll_direction)}.`);
    }
    const amount = Number(input.scroll_amount);
    if (!Number.isFinite(amount) || amount < 1) throw new ToolError("scroll_amount must be a number of wheel clicks, at least 1.");
    const at = input.coordinate == null ? undefined : point(input.coordinate, "coordinate");
    return note(await this.#desktop.scroll(at, input.scroll_direction, amount, input.text ?? undefined));
  }

  protected override async wait(ctx: Ctx, input: BetaComputerWaitInput): Promise<string | void> {
    await this.#desktop.wait(seconds(input.duration) * 1000, ctx.signal ?? undefined);
  }

  protected override async screenshot(): Promise<BetaScreenshotResult> {
    return image(await this.#desktop.screenshot());
  }

  protected override async zoom(_ctx: Ctx, input: BetaComputerZoomInput): Promise<BetaScreenshotResult> {
    const r = input.region;
    if (!Array.isArray(r) || r.length !== 4 || !r.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new ToolError("region must be [x0, y0, x1, y1] in screenshot pixels.");
    }
    const [x0, y0, x1, y1] = r as [number, number, number, number];
    if (x1 <= x0 || y1 <= y0) throw new ToolError("region must have x1 > x0 and y1 > y0.");
    return image(await this.#desktop.zoom({ x0, y0, x1, y1 }));
  }

  async #click(button: MouseButton, input: ClickInput, count: number): Promise<string | void> {
    const at = input.coordinate == null ? undefined : point(input.coordinate, "coordinate");
    return note(await this.#desktop.click(button, at, { count, ...(input.text ? { modifiers: input.text } : {}) }));
  }
}

function image(shot: Screenshot): BetaScreenshotResult {
  return { data: Buffer.from(shot.png).toString("base64"), mediaType: "image/png" };
}

/**
 * One line after the SDK's acknowledgment when nothing visibly happened: a cheap
 * hint that the action missed. Settling ignores a box around the pointer (so the
 * cursor never counts as a change), so the line says exactly that much: a
 * checkbox toggled under the pointer is not "no change".
 */
function note(outcome: ActionOutcome): string | void {
  if (!outcome.changed) return "No change was seen on screen outside the area right around the pointer.";
}

function point(value: unknown, field: string): ModelPoint {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new ToolError(`${field} must be [x, y] in screenshot pixels.`);
  }
  return { x: value[0] as number, y: value[1] as number };
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new ToolError(`${field} must be a non-empty string.`);
  return value;
}

function seconds(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ToolError("duration must be a number of seconds, at least 0.");
  return n;
}

/**
 * Answers one member tool_use through the toolset's pipeline, with the task's
 * abort signal (the SDK's `toolResult` takes none, so `wait` and `hold_key`
 * could not be cut short). A refusal or failure becomes an is_error result;
 * an abort propagates.
 */
export async function runToolsetCall(toolset: DesktopComputerToolset, toolUse: BetaToolUseBlock, signal?: AbortSignal): Promise<BetaToolResultBlockParam> {
  const base = { type: "tool_result" as const, tool_use_id: toolUse.id, toolset_name: toolUse.toolset_name ?? null };
  try {
    const content = await toolset.run({ toolUse, toolUseBlock: toolUse, signal }, toolUse);
    return { ...base, content };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const c = error.content;
    const text = typeof c === "string" ? c : c.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
    return { ...base, is_error: true, content: text.trim() === "" ? "The action failed." : text };
  }
}
