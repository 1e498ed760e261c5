import Anthropic from "@anthropic-ai/sdk";
import type {
  BetaContentBlock, BetaContentBlockParam, BetaMessage, BetaTextBlockParam, BetaTool, BetaToolUnion,
} from "@anthropic-ai/sdk/resources/beta";
import { BETA_COMPUTER_USE_HEADER, betaComputerTool, memberCallAsBetaInput } from "./beta-computer-tool.ts";
import type { DesktopComputerToolset } from "./computer-toolset.ts";
import type { Desktop } from "./desktop.ts";
import { placeCacheBreakpoints, type ContextStrategy } from "./prompt-cache.ts";
import type { Turn } from "./conversation-store.ts";
import type { BlockRef } from "./image-pruning.ts";

// One model call: the request as the strategy shapes it, sent with the task's
// abort signal and explicit retries, and the recognition of a provider that
// does not know the GA computer toolset (we then fall back to the beta tool).

export type ComputerToolMode = "toolset" | "beta";

export type ModelCall = {
  client: Anthropic;
  model: string;
  maxTokens: number;
  system: string;
  messages: readonly Turn[];
  mode: ComputerToolMode;
  toolset: DesktopComputerToolset;
  /**
   * The task's other tools after the computer, only those it may use: ask_human, type_secret (when
   * the task has secrets to type), memory, and the tools beyond the screen (desktop-host/src/tools/).
   */
  tools: readonly BetaToolUnion[];
  desktop: Desktop;
  strategy: ContextStrategy;
  /** Prune anchors for the cache (see prompt-cache.ts). */
  anchors?: readonly BlockRef[];
  signal: AbortSignal;
  /** 429, 529 and 5xx are retried by the SDK with backoff (honouring retry-after); this says how often. */
  maxRetries: number;
};

export type BuiltRequest = {
  params: Anthropic.Beta.Messages.MessageCreateParamsNonStreaming;
  breakpoints: number;
};

export function buildRequest(call: Omit<ModelCall, "client" | "signal" | "maxRetries">): BuiltRequest {
  const system: BetaTextBlockParam[] = [{ type: "text", text: call.system }];
  const placed = placeCacheBreakpoints(system, call.messages, call.strategy, call.anchors ?? []);
  const computer: BetaToolUnion = call.mode === "toolset" ? call.toolset.toJSON() : betaComputerTool(call.desktop.info().model);
  const params: Anthropic.Beta.Messages.MessageCreateParamsNonStreaming = {
    model: call.model,
    max_tokens: call.maxTokens,
    system: placed.system,
    tools: [computer, ...call.tools],
    messages: placed.messages,
    ...(call.mode === "beta" ? { betas: [BETA_COMPUTER_USE_HEADER] } : {}),
  };
  return { params, breakpoints: placed.breakpoints };
}

export async function callModel(call: ModelCall): Promise<{ message: BetaMessage; breakpoints: number }> {
  const { params, breakpoints } = buildRequest(call);
  // Non-streaming with the task's signal: an abort cancels the HTTP request at once.
  const message = await call.client.beta.messages.create(params, { signal: call.signal, maxRetries: call.maxRetries });
  return { message, breakpoints };
}

/**
 * Whether an API error is the API rejecting the GA toolset's tool type, as it
 * rejects any tool type it does not know (400 invalid_request_error: "tools.0:
 * Input tag 'computer_toolset_20260801' found using 'type' does not match any
 * of the expected tags: ...").
 */
export function rejectsComputerToolset(error: unknown): boolean {
  if (!(error instanceof Anthropic.APIError) || error.status !== 400) return false;
  const text = `${error.message} ${JSON.stringify(error.error ?? null)}`;
  return text.includes("computer_toolset_20260801") && /does not match any of the expected tags|not supported|unknown|not available/i.test(text);
}

/** The assistant message to keep in history: the response's blocks as request params, empty text dropped. */
export function assistantTurn(content: readonly BetaContentBlock[]): Turn | null {
  const blocks: BetaContentBlockParam[] = [];
  for (const b of content) {
    if (b.type === "text") {
      if (b.text.trim() !== "") blocks.push({ type: "text", text: b.text });
    } else if (b.type === "tool_use") {
      const toolsetName = (b as { toolset_name?: string | null }).toolset_name;
      blocks.push({ type: "tool_use", id: b.id, name: b.name, input: b.input, ...(toolsetName ? { toolset_name: toolsetName } : {}) });
    } else {
      blocks.push(b as unknown as BetaContentBlockParam);
    }
  }
  return blocks.length > 0 ? { role: "assistant", content: blocks } : null;
}

/** History rewritten from GA toolset member calls to beta `computer` tool calls (fallback mid-conversation). */
export function toBetaToolHistory(messages: readonly Turn[]): Turn[] {
  return messages.map((m) => {
    if (typeof m.content === "string") return m;
    const content = m.content.map((b): BetaContentBlockParam => {
      if (b.type === "tool_use" && b.toolset_name === "computer") {
        return { type: "tool_use", id: b.id, name: "computer", input: memberCallAsBetaInput(b.name, b.input) };
      }
      if (b.type === "tool_result" && b.toolset_name != null) {
        const { toolset_name: _drop, ...rest } = b;
        void _drop;
        return rest;
      }
      return b;
    });
    return { ...m, content };
  });
}
