import type { BetaTool, BetaToolResultBlockParam, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import type { HostMemoryRequest, HostMemoryResult } from "@deskfleet/protocol";
import { HostMemoryRequest as RequestSchema, MAX_MEMORY_CHARS } from "@deskfleet/protocol";

// memory_search and memory_save: the agent's long-term memory, kept by the
// control plane (the host asks over its control channel). An agent reads the
// global memories and its own, and saves into its own.

export const MEMORY_SEARCH_TOOL: BetaTool = {
  name: "memory_search",
  description:
    "Search what earlier tasks learned (how sites and apps are laid out, failures and how to get past them, workflows that work). " +
    "Search before a step that may have failed before, e.g. a site's login or a cookie wall.",
  input_schema: {
    type: "object",
    properties: {
      query: { type: "string", description: "Words to look for: the site, app or problem." },
      collection: { type: "string", description: "Optional: only this collection (sites, errors, workflows, users)." },
      limit: { type: "integer", minimum: 1, maximum: 10, description: "At most this many (default 5)." },
    },
    required: ["query"],
  },
};

export const MEMORY_SAVE_TOOL: BetaTool = {
  name: "memory_save",
  description:
    "Save one lasting insight for later tasks: how a site is laid out, a failure and the way around it, a workflow that works. " +
    `One insight per call, self-contained (name the site or app), at most ${MAX_MEMORY_CHARS} characters. Not the task's result.`,
  input_schema: {
    type: "object",
    properties: {
      collection: { type: "string", description: "sites, errors, workflows or users (or another lowercase name)." },
      content: { type: "string", description: "The insight." },
    },
    required: ["collection", "content"],
  },
};

export type AskMemory = (request: HostMemoryRequest) => Promise<HostMemoryResult>;

/** Runs memory_search or memory_save; a bad input or a failure is an error result the model can act on. */
export async function runMemoryTool(toolUse: BetaToolUseBlock, memory: AskMemory): Promise<BetaToolResultBlockParam> {
  const fail = (content: string): BetaToolResultBlockParam => ({ type: "tool_result", tool_use_id: toolUse.id, is_error: true, content });
  const kind = toolUse.name === "memory_search" ? "search" : "save";
  const parsed = RequestSchema.safeParse({ ...(toolUse.input as object), kind });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`${toolUse.name}: ${issue?.path.join(".") || "input"}: ${issue?.message ?? "invalid input"}; fix it and call ${toolUse.name} again.`);
  }
  const result = await memory(parsed.data);
  if (!result.ok) return fail(`${toolUse.name} failed (${result.error.code}): ${result.error.message}`);
  if (result.kind === "search") {
    const text = result.memories.length === 0 ? "No memories match." : result.memories.map((m) => `[${m.collection}] ${m.content}`).join("\n");
    return { type: "tool_result", tool_use_id: toolUse.id, content: text };
  }
  return { type: "tool_result", tool_use_id: toolUse.id, content: result.duplicate ? "Already remembered; nothing new was saved." : `Saved to ${result.memory.collection}.` };
}
