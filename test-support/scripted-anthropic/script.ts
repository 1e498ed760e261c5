/**
 * Scripts: what the scripted model answers, step by step, per conversation.
 *
 * A step is a fixed reply, an error, or a function of the validated request that
 * returns one. Each accepted request to /v1/messages consumes exactly one step of
 * the conversation it belongs to; a rejected (invalid) request consumes none.
 */
import type { ApiErrorType } from "./api-error.ts";
import { firstUserText, lastToolResult, lastUserText, systemText, toolResults, countImages, type ToolResultView } from "./inspect.ts";
import type { JsonObject } from "./validate-request.ts";

export interface ScriptedText {
  type: "text";
  text: string;
}

export interface ScriptedToolUse {
  type: "tool_use";
  name: string;
  input: Record<string, unknown>;
  /** Default: a fresh `toolu_01…` id. */
  id?: string;
  /**
   * Set for a member of a toolset (`"computer"`). Left out, it is filled in when the name is an
   * enabled member of the request's computer toolset and not a tool of its own.
   */
  toolset_name?: string;
  /**
   * Send it even though the request does not offer the tool, as no model would but a compromised
   * gateway or a replayed response could: for testing that such a call is refused.
   */
  forged?: boolean;
}

export type ScriptedBlock = ScriptedText | ScriptedToolUse;

export type StopReason =
  | "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal" | "model_context_window_exceeded";

export interface ScriptedReply {
  /** A string is one text block. */
  content: string | ScriptedBlock[];
  /** Default: "tool_use" when the content has a tool_use block, else "end_turn". */
  stop_reason?: StopReason;
  stop_sequence?: string | null;
  /** Override the estimated output tokens. */
  output_tokens?: number;
}

export interface ScriptedError {
  error: {
    type: ApiErrorType;
    message: string;
    /** Default: the status the API uses for `type`. */
    status?: number;
    /** Extra response headers, e.g. { "retry-after-ms": "1" } or { "x-should-retry": "false" }. */
    headers?: Record<string, string>;
  };
  /**
   * For a streaming request: answer 200, start the stream, then send an `error` event (as the API does
   * when it overloads mid-stream). Ignored for non-streaming requests.
   */
  midStream?: boolean;
}

export type StepResult = ScriptedReply | ScriptedError;

export interface StepContext {
  /** The validated request body. */
  body: JsonObject;
  headers: Readonly<Record<string, string>>;
  /** The conversation the request was routed to. */
  conversation: string;
  /** 0-based index of this step in the conversation's script. */
  step: number;
  stream: boolean;
  /** The tools the request declared (raw definitions). */
  tools: readonly JsonObject[];
  lastToolResult(): ToolResultView | undefined;
  toolResults(): ToolResultView[];
  lastUserText(): string;
  imageCount(): number;
}

export type ScriptStep = StepResult | ((ctx: StepContext) => StepResult | Promise<StepResult>);

export interface ConversationScript {
  /** Name used in records and error messages. */
  name: string;
  /**
   * Which requests belong to it: a string is looked for in the system prompt and the first user
   * message; a RegExp is tested against both; a function sees the request body.
   */
  match: string | RegExp | ((body: JsonObject) => boolean);
  steps: ScriptStep[];
}

export function isScriptedError(r: StepResult): r is ScriptedError {
  return "error" in r;
}

export function makeStepContext(args: Omit<StepContext, "lastToolResult" | "toolResults" | "lastUserText" | "imageCount">): StepContext {
  return {
    ...args,
    lastToolResult: () => lastToolResult(args.body),
    toolResults: () => toolResults(args.body),
    lastUserText: () => lastUserText(args.body),
    imageCount: () => countImages(args.body),
  };
}

export function conversationMatches(c: ConversationScript, body: JsonObject): boolean {
  if (typeof c.match === "function") return c.match(body);
  const haystacks = [systemText(body), firstUserText(body)];
  if (typeof c.match === "string") {
    const needle = c.match;
    return haystacks.some((h) => h.includes(needle));
  }
  const re = c.match;
  return haystacks.some((h) => { re.lastIndex = 0; return re.test(h); });
}

// --- builders ---------------------------------------------------------------------------------

/** A text-only reply (stop_reason end_turn). */
export function text(t: string, opts: Omit<ScriptedReply, "content"> = {}): ScriptedReply {
  return { content: [{ type: "text", text: t }], ...opts };
}

/** A reply calling one tool, optionally after some text (stop_reason tool_use). */
export function toolUse(
  name: string,
  input: Record<string, unknown>,
  opts: { text?: string; id?: string; toolset_name?: string; forged?: boolean } = {},
): ScriptedReply {
  const block: ScriptedToolUse = { type: "tool_use", name, input };
  if (opts.forged) block.forged = true;
  if (opts.id !== undefined) block.id = opts.id;
  if (opts.toolset_name !== undefined) block.toolset_name = opts.toolset_name;
  return { content: opts.text !== undefined ? [{ type: "text", text: opts.text }, block] : [block] };
}

/** A call of the beta single computer tool (`computer_20251124`): `computer("left_click", { coordinate: [10, 20] })`. */
export function computerAction(action: string, params: Record<string, unknown> = {}, opts: { text?: string; id?: string } = {}): ScriptedReply {
  return toolUse("computer", { action, ...params }, opts);
}

/** A call of a member of the GA computer toolset: `toolsetCall("left_click", { coordinate: [10, 20] })`. */
export function toolsetCall(member: string, input: Record<string, unknown> = {}, opts: { text?: string; id?: string } = {}): ScriptedReply {
  return toolUse(member, input, { ...opts, toolset_name: "computer" });
}

/** An API error answer. */
export function apiError(type: ApiErrorType, message: string, opts: { status?: number; headers?: Record<string, string>; midStream?: boolean } = {}): ScriptedError {
  const e: ScriptedError = { error: { type, message } };
  if (opts.status !== undefined) e.error.status = opts.status;
  if (opts.headers !== undefined) e.error.headers = opts.headers;
  if (opts.midStream !== undefined) e.midStream = opts.midStream;
  return e;
}

/** 529 overloaded_error, as the API sends it. */
export function overloaded(opts: { headers?: Record<string, string>; midStream?: boolean } = {}): ScriptedError {
  return apiError("overloaded_error", "Overloaded", opts);
}

/** 429 rate_limit_error. */
export function rateLimited(opts: { headers?: Record<string, string> } = {}): ScriptedError {
  return apiError("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", opts);
}

/** 400 invalid_request_error with the given message. */
export function badRequest(message: string): ScriptedError {
  return apiError("invalid_request_error", message);
}
