import type {
  BetaToolComputerUse20251124, BetaToolResultBlockParam, BetaToolUseBlock,
} from "@anthropic-ai/sdk/resources/beta";
import type { Size } from "@deskfleet/rfb/image/scale";
import { runToolsetCall, type DesktopComputerToolset } from "./computer-toolset.ts";

// The beta single computer tool (`computer_20251124`) for models and providers
// without the GA toolset. Its actions are the toolset's members under one tool
// named "computer" with an `action` field, so a call is re-addressed to the
// member and run through the same toolset pipeline: one code path for both.

export const BETA_COMPUTER_TOOL_TYPE = "computer_20251124";
export const BETA_COMPUTER_USE_HEADER = "computer-use-2025-11-24";

export function betaComputerTool(model: Size): BetaToolComputerUse20251124 {
  return { type: BETA_COMPUTER_TOOL_TYPE, name: "computer", display_width_px: model.width, display_height_px: model.height, enable_zoom: true };
}

/** Runs a beta `computer` tool_use through the toolset and answers it as the beta tool expects (no toolset_name). */
export async function runBetaComputerCall(toolset: DesktopComputerToolset, toolUse: BetaToolUseBlock, signal?: AbortSignal): Promise<BetaToolResultBlockParam> {
  const { action, ...rest } = (toolUse.input ?? {}) as Record<string, unknown>;
  if (typeof action !== "string" || action.length === 0) {
    return { type: "tool_result", tool_use_id: toolUse.id, is_error: true, content: [{ type: "text", text: "The computer tool needs an `action`." }] };
  }
  const member = { ...toolUse, name: action, input: rest, toolset_name: "computer" } as BetaToolUseBlock;
  const { toolset_name: _dropped, ...result } = await runToolsetCall(toolset, member, signal);
  void _dropped;
  return result;
}

/** The beta tool's view of a GA member call: for converting history when falling back mid-conversation. */
export function memberCallAsBetaInput(name: string, input: unknown): Record<string, unknown> {
  return { action: name, ...(input as Record<string, unknown>) };
}
