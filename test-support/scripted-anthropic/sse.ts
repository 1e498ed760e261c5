/**
 * The response message in the API's wire shape, and the server-sent-event
 * sequence the API streams for it:
 *
 *   message_start (message with empty content, stop_reason null, usage with the input side)
 *   content_block_start #0 · ping · content_block_delta… · content_block_stop #0
 *   content_block_start #1 …
 *   message_delta (stop_reason, stop_sequence, cumulative usage with output_tokens)
 *   message_stop
 *
 * Text streams as text_delta chunks; a tool_use block starts with `input: {}` and
 * streams its JSON as input_json_delta chunks (the first one empty, as the API does).
 */
import type { WireUsage } from "./usage.ts";

export interface WireTextBlock { type: "text"; text: string; citations: null }
export interface WireToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  caller: { type: "direct" };
  toolset_name?: string;
}
export type WireContentBlock = WireTextBlock | WireToolUseBlock;

export interface WireMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: WireContentBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  stop_details: null;
  usage: WireUsage & { fallback_credit?: null; iterations?: null };
  container: null;
  diagnostics: null;
  context_management?: null;
}

export function buildMessage(args: {
  id: string;
  model: string;
  content: WireContentBlock[];
  stopReason: string;
  stopSequence: string | null;
  usage: WireUsage;
  beta: boolean;
}): WireMessage {
  const usage = args.beta ? { ...args.usage, fallback_credit: null, iterations: null } : { ...args.usage };
  const msg: WireMessage = {
    id: args.id,
    type: "message",
    role: "assistant",
    model: args.model,
    content: args.content,
    stop_reason: args.stopReason,
    stop_sequence: args.stopSequence,
    stop_details: null,
    usage,
    container: null,
    diagnostics: null,
  };
  if (args.beta) msg.context_management = null;
  return msg;
}

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** The API's keep-alive; its data is written with a space after the colon. */
export const PING_FRAME = sseFrame("ping", `{"type": "ping"}`);

export interface ChunkOptions {
  /** Largest text_delta, in characters. Default 24. */
  textChunk?: number;
  /** Largest input_json_delta, in characters. Default 16. */
  jsonChunk?: number;
}

function chunks(s: string, n: number): string[] {
  const out: string[] = [];
  // Split on code points, never inside a surrogate pair.
  const cps = Array.from(s);
  for (let i = 0; i < cps.length; i += n) out.push(cps.slice(i, i + n).join(""));
  return out;
}

/** Every SSE frame of a streamed response, in order. */
export function sseFrames(message: WireMessage, opts: ChunkOptions = {}): string[] {
  const textChunk = Math.max(1, opts.textChunk ?? 24);
  const jsonChunk = Math.max(1, opts.jsonChunk ?? 16);
  const frames: string[] = [];
  const u = message.usage;
  frames.push(sseFrame("message_start", {
    type: "message_start",
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...u, output_tokens: Math.min(1, u.output_tokens) },
    },
  }));
  let pinged = false;
  message.content.forEach((block, index) => {
    const start = block.type === "text" ? { ...block, text: "" } : { ...block, input: {} };
    frames.push(sseFrame("content_block_start", { type: "content_block_start", index, content_block: start }));
    if (!pinged) { frames.push(PING_FRAME); pinged = true; }
    if (block.type === "text") {
      for (const text of chunks(block.text, textChunk)) {
        frames.push(sseFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text } }));
      }
    } else {
      const json = JSON.stringify(block.input);
      for (const partial_json of ["", ...chunks(json, jsonChunk)]) {
        frames.push(sseFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }));
      }
    }
    frames.push(sseFrame("content_block_stop", { type: "content_block_stop", index }));
  });
  if (!pinged) frames.push(PING_FRAME);
  frames.push(sseFrame("message_delta", {
    type: "message_delta",
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: null, container: null },
    usage: {
      input_tokens: u.input_tokens,
      cache_creation_input_tokens: u.cache_creation_input_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      output_tokens: u.output_tokens,
      output_tokens_details: null,
      server_tool_use: null,
    },
  }));
  frames.push(sseFrame("message_stop", { type: "message_stop" }));
  return frames;
}

/** Frames of a stream that fails after it started: message_start, a ping, then an `error` event. */
export function sseErrorFrames(message: WireMessage, errorType: string, errorMessage: string, requestId: string): string[] {
  const all = sseFrames({ ...message, content: [] });
  return [
    all[0] ?? "",
    PING_FRAME,
    sseFrame("error", { type: "error", error: { type: errorType, message: errorMessage }, request_id: requestId }),
  ];
}
