import { createHash } from "node:crypto";
import type { AgentTool } from "@deskfleet/protocol";
import { MAX_SUMMARY_CHARS, TOOL_GROUPS, truncate } from "@deskfleet/protocol";
import type { BetaToolResultBlockParam, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import type { TaskContext } from "../task-runner.ts";
import { runAskHuman, type AskHuman } from "./ask-human.ts";
import { runBetaComputerCall } from "./beta-computer-tool.ts";
import { runToolsetCall, type DesktopComputerToolset } from "./computer-toolset.ts";
import type { ComputerToolMode } from "./model-request.ts";
import { runMemoryTool, type AskMemory } from "./memory-tools.ts";
import type { TaskTools } from "../tools/toolbox.ts";
import { runTypeSecret, TYPE_SECRET, type TypeSecretDeps } from "./type-secret.ts";

// Runs one tool_use (a computer action, ask_human, type_secret, a memory tool
// or a tool beyond the screen) and turns the images in its result into
// uploaded screenshots (one `screenshot` event each). A call to a tool the
// task may not use is refused before anything runs.

export type Dispatch = {
  toolset: DesktopComputerToolset;
  mode: ComputerToolMode;
  signal: AbortSignal;
  askHuman: AskHuman;
  memory?: AskMemory | undefined;
  /** The task's tools beyond the screen; their calls (offered or not) go there to be run or refused. */
  tools?: TaskTools | null;
  step?: number;
  typeSecret: TypeSecretDeps;
};

export async function dispatchToolUse(toolUse: BetaToolUseBlock, d: Dispatch): Promise<BetaToolResultBlockParam> {
  const toolsetName = (toolUse as { toolset_name?: string | null }).toolset_name ?? null;
  if (toolsetName === "computer") return runToolsetCall(d.toolset, toolUse, d.signal);
  if (toolsetName === null && toolUse.name === "computer" && d.mode === "beta") return runBetaComputerCall(d.toolset, toolUse, d.signal);
  if (toolsetName === null && toolUse.name === "ask_human") return (await runAskHuman(toolUse, d.askHuman)).result;
  if (toolsetName === null && d.memory && (toolUse.name === "memory_search" || toolUse.name === "memory_save")) return runMemoryTool(toolUse, d.memory);
  if (toolsetName === null && toolUse.name === TYPE_SECRET) return runTypeSecret(toolUse, d.typeSecret);
  if (toolsetName === null && d.tools?.owns(toolUse.name)) return d.tools.run(toolUse, d.step ?? 0, d.signal);
  return { type: "tool_result", tool_use_id: toolUse.id, is_error: true, content: `There is no tool named ${JSON.stringify(toolUse.name)} here.` };
}

/**
 * The refusal of a call to a tool this task may not use (its agent does not
 * allow it): the model was never offered the tool, so such a call is forged
 * or confused; it is not run, and the model is told what it may use. Null
 * when the call is allowed (or names no tool we know: that answer comes from dispatch).
 */
export function toolRefusal(toolUse: BetaToolUseBlock, allowed: ReadonlySet<AgentTool> | null): BetaToolResultBlockParam | null {
  if (!allowed) return null;
  const toolsetName = (toolUse as { toolset_name?: string | null }).toolset_name ?? null;
  const group = toolsetName === "computer" ? "computer" : TOOL_GROUPS[toolUse.name];
  // The screen is every task's; tools beyond the screen are refused by the task's toolbox itself.
  if (!group || group === "computer" || allowed.has(group)) return null;
  return {
    type: "tool_result",
    tool_use_id: toolUse.id,
    is_error: true,
    content: `Refused: this task's agent may not use ${toolUse.name} (it may use ${[...allowed].join(", ")}). It was not run; do the task with the tools you have, or stop and say what you need.`,
    ...(toolsetName ? { toolset_name: toolsetName } : {}),
  };
}

export const UNCHANGED_SCREENSHOT_TEXT = "The screen is exactly as in your most recent screenshot above; it was not sent again.";

/**
 * Uploads each image of a result and reports it; an image identical to the
 * newest one the model still has is replaced by a line saying so, since
 * sending it again would only cost tokens.
 */
export class ScreenshotPublisher {
  #last: string | null = null;
  readonly #dedupe: boolean;

  constructor(options: { dedupe?: boolean } = {}) {
    this.#dedupe = options.dedupe ?? true;
  }

  /** Forget what the model has (after pruning removed every image). */
  forget(): void {
    this.#last = null;
  }

  async publish(result: BetaToolResultBlockParam, ctx: TaskContext, step: number): Promise<BetaToolResultBlockParam> {
    if (!Array.isArray(result.content) || !result.content.some((b) => b.type === "image")) return result;
    const content: NonNullable<BetaToolResultBlockParam["content"]> = [];
    for (const block of result.content) {
      if (block.type !== "image" || block.source.type !== "base64") {
        content.push(block);
        continue;
      }
      const replacement = await this.publishImage(block.source.data, ctx, step);
      content.push(replacement === null ? block : { type: "text", text: replacement });
    }
    return { ...result, content };
  }

  /** Uploads a base64 PNG and emits its event; returns replacement text when the model already has it, else null. */
  async publishImage(base64: string, ctx: TaskContext, step: number): Promise<string | null> {
    const png = Buffer.from(base64, "base64");
    const hash = createHash("sha256").update(png).digest("hex");
    if (this.#dedupe && hash === this.#last) return UNCHANGED_SCREENSHOT_TEXT;
    this.#last = hash;
    const key = await ctx.uploadScreenshot(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
    const { width, height } = pngSize(png);
    ctx.emit("screenshot", { key, width, height, step });
    return null;
  }
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return png.byteLength >= 24 ? { width: view.getUint32(16), height: view.getUint32(20) } : { width: 0, height: 0 };
}

/** A one-line description of a result for the `action_result` event. */
export function summarize(result: BetaToolResultBlockParam): { ok: boolean; summary: string; error?: string } {
  const parts: string[] = [];
  if (typeof result.content === "string") parts.push(result.content);
  else for (const b of result.content ?? []) parts.push(b.type === "text" ? b.text : b.type === "image" ? "[image]" : `[${b.type}]`);
  const summary = truncate(parts.join(" "), MAX_SUMMARY_CHARS);
  return result.is_error ? { ok: false, summary, error: summary } : { ok: true, summary };
}
