/**
 * A scripted Anthropic Messages API on 127.0.0.1: a real HTTP server that speaks
 * the wire format (JSON and SSE), validates every request as strictly as the API,
 * answers from a script, and reports usage with simulated prompt caching.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, IdMint, errorBody, invalid, type ErrorBody } from "./api-error.ts";
import { PromptCacheSimulator, type CacheOptions } from "./cache-simulator.ts";
import {
  conversationMatches, isScriptedError, makeStepContext,
  type ConversationScript, type ScriptedError, type ScriptedReply, type ScriptStep,
} from "./script.ts";
import { buildMessage, sseErrorFrames, sseFrames, type ChunkOptions, type WireContentBlock, type WireMessage } from "./sse.ts";
import { inputTokens, outputTokensOf, prefixBlocks, type WireUsage } from "./usage.ts";
import { validateRequest, type JsonObject, type ValidatedRequest } from "./validate-request.ts";
import { ThreadStore, type ResolvedThread } from "./threads.ts";
import { inputProblem } from "./tool-definitions.ts";
import { API_VERSIONS, COMPUTER_TOOLSET_NAME, COMPUTER_TOOLSET_TYPE, KNOWN_BETAS, MAX_REQUEST_BYTES } from "./wire-constants.ts";

export interface ScriptedAnthropicOptions {
  /** The default conversation's steps: requests no other conversation matches. */
  script?: ScriptStep[];
  /** Conversations with their own scripts, routed by a marker in the request. */
  conversations?: ConversationScript[];
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Accepted API keys (x-api-key or Authorization: Bearer). Default: any non-empty key. */
  apiKeys?: string[];
  /** Consecutive same-role turns: "merge" (default, the API's documented behaviour) or "strict" (rejected). */
  alternation?: "merge" | "strict";
  /**
   * Whether `computer_toolset_20260801` is accepted (default true): false, or a function of the
   * model returning false, simulates a provider or model without it; the request is then rejected
   * as the API rejects an unknown tool type.
   */
  computerToolset?: boolean | ((model: string) => boolean);
  /** Further tool types to reject as unknown. */
  rejectToolTypes?: string[];
  /** Models that exist (others: 404 not_found_error). Default: any. */
  models?: string[];
  /** Largest max_tokens accepted. Default 128000. */
  maxOutputTokens?: number;
  /** Prompt cache simulation (clock, minimum cacheable length). */
  cache?: CacheOptions;
  /** SSE chunk sizes. */
  chunking?: ChunkOptions;
  /** Delay between SSE frames, ms. Default 0. */
  frameDelayMs?: number;
  /** Delay before answering, ms. Default 0. */
  latencyMs?: number;
  /** Seed of the id generator (ids are deterministic per seed). */
  seed?: number;
  /**
   * Whether the server holds message threads (beta message-threads-2026-08-12, used by the SDK's tool
   * runner). Default true; false answers `thread_unsupported_request`, and the SDK's runner goes on unthreaded.
   */
  messageThreads?: boolean;
}

/** One request the server accepted (validated) and answered, from the script. */
export interface RecordedRequest {
  /** 0-based order of arrival among accepted requests. */
  index: number;
  requestId: string;
  method: string;
  /** Path with query, e.g. "/v1/messages?beta=true". */
  path: string;
  endpoint: "messages" | "count_tokens";
  /**
   * Whether the request used the beta API: an `anthropic-beta` header, or the `?beta=true` marker older
   * SDKs put on the path (1.12 does not). Beta requests get the beta message shape (context_management etc.).
   */
  beta: boolean;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  betas: string[];
  /** The full request the model saw: for a continued message thread, the held history plus the new messages. */
  body: JsonObject;
  /** The body as sent. */
  wireBody: JsonObject;
  /** For a message thread: "create", or the id it continued. */
  thread: "create" | { continues: string } | null;
  stream: boolean;
  /** The conversation it was routed to (null for count_tokens). */
  conversation: string | null;
  /** The step of that conversation it consumed. */
  step: number | null;
  status: number;
  /** The message answered (also for streams), or null for an error. */
  response: WireMessage | null;
  /** The usage reported (null for an error). */
  usage: WireUsage | null;
  error: ErrorBody | null;
  imageCount: number;
}

/** A request that failed validation (or auth, or routing) before reaching the script. */
export interface RejectedRequest {
  requestId: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  error: ErrorBody;
}

export interface ScriptedAnthropic {
  /** Base URL for the SDK: `new Anthropic({ baseURL: server.url, apiKey: "test" })`. */
  url: string;
  port: number;
  /** Every accepted request, in order. */
  requests: RecordedRequest[];
  /** Every rejected request, in order. */
  rejections: RejectedRequest[];
  /** Accepted requests of one conversation. */
  requestsOf(conversation: string): RecordedRequest[];
  /** Steps not yet consumed, by conversation name ("default" for `script`). */
  remainingSteps(): Record<string, number>;
  /** Throws if any conversation has steps left. */
  assertScriptConsumed(): void;
  /** Throws (listing them) if any request was rejected. */
  assertNoRejections(): void;
  /** Add steps to a conversation's script ("default" for the default one). */
  enqueue(conversation: string, ...steps: ScriptStep[]): void;
  cache: PromptCacheSimulator;
  threads: ThreadStore;
  close(): Promise<void>;
}

interface Conv {
  name: string;
  match: ConversationScript["match"] | null;
  steps: ScriptStep[];
  next: number;
}

const DEFAULT = "default";

export async function startScriptedAnthropic(options: ScriptedAnthropicOptions = {}): Promise<ScriptedAnthropic> {
  const ids = new IdMint(options.seed);
  const cache = new PromptCacheSimulator(options.cache);
  const requests: RecordedRequest[] = [];
  const rejections: RejectedRequest[] = [];
  const convs: Conv[] = (options.conversations ?? []).map((c) => ({ name: c.name, match: c.match, steps: [...c.steps], next: 0 }));
  if (new Set(convs.map((c) => c.name)).size !== convs.length) throw new Error("scripted-anthropic: conversation names must be unique");
  const defaultConv: Conv | null = options.script || convs.length === 0
    ? { name: DEFAULT, match: null, steps: [...(options.script ?? [])], next: 0 }
    : null;
  const computerToolset = options.computerToolset ?? true;
  const acceptsComputerToolset = typeof computerToolset === "function" ? computerToolset : () => computerToolset;
  const apiKeys = options.apiKeys ? new Set(options.apiKeys) : null;
  const models = options.models ? new Set(options.models) : null;
  const rejectedToolTypes = new Set(options.rejectToolTypes ?? []);
  const threads = new ThreadStore(options.messageThreads ?? true);
  const sockets = new Set<import("node:net").Socket>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug here must not hang the client: answer 500 api_error with the cause.
      const requestId = ids.request();
      const message = `scripted-anthropic internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
      if (!res.headersSent) sendJson(res, 500, errorBody("api_error", message, requestId), requestId);
      else res.end();
    });
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = ids.request();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = `${url.pathname}${url.search}`;
    const headers = lowerHeaders(req);
    const raw = await readBody(req);

    const reject = (e: ApiError, body: unknown) => {
      const eb = errorBody(e.type, e.message, requestId, e.details);
      rejections.push({ requestId, path, headers, body, status: e.status, error: eb });
      sendJson(res, e.status, eb, requestId, e.headers);
    };

    const endpoint = url.pathname === "/v1/messages" ? "messages" : url.pathname === "/v1/messages/count_tokens" ? "count_tokens" : null;
    if (endpoint === null) return reject(new ApiError("not_found_error", "Not Found"), null);
    if (req.method !== "POST") return reject(new ApiError("not_found_error", "Not Found", 405), null);
    if (raw === null) return reject(new ApiError("request_too_large", `Request exceeds the maximum allowed number of bytes. The maximum request size is 32 MB.`), null);

    let validated: ValidatedRequest;
    let resolved: ResolvedThread | null = null;
    let body: unknown = null;
    let betas: string[];
    try {
      const key = headers["x-api-key"] ?? bearer(headers["authorization"]);
      if (!key) throw new ApiError("authentication_error", "x-api-key header is required");
      if (apiKeys && !apiKeys.has(key)) throw new ApiError("authentication_error", "invalid x-api-key");
      const version = headers["anthropic-version"];
      if (!version) throw invalid("anthropic-version: header is required");
      if (!API_VERSIONS.has(version)) throw invalid(`anthropic-version: invalid version '${version}'`);
      betas = (headers["anthropic-beta"] ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      const unknown = betas.filter((b) => !KNOWN_BETAS.has(b));
      if (unknown.length > 0) {
        throw invalid(`Unexpected value(s) \`${unknown.join(", ")}\` for the \`anthropic-beta\` header. Please consult our documentation at docs.anthropic.com or try again without the header.`);
      }
      const ct = headers["content-type"] ?? "";
      if (!ct.toLowerCase().startsWith("application/json")) throw invalid("Content-Type must be application/json");
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw invalid("There was an error parsing the body of the request: invalid JSON");
      }
      if (typeof body === "object" && body !== null && !Array.isArray(body)) {
        resolved = threads.resolve(body as JsonObject, new Set(betas));
      }
      validated = validateRequest(resolved ? resolved.body : body, {
        endpoint,
        betas: new Set(betas),
        apiVersion: version,
        alternation: options.alternation ?? "merge",
        acceptsComputerToolset,
        rejectedToolTypes,
        models,
        maxOutputTokens: options.maxOutputTokens ?? 128_000,
      });
    } catch (e) {
      if (e instanceof ApiError) return reject(e, body);
      throw e;
    }

    const record: RecordedRequest = {
      index: requests.length,
      requestId,
      method: req.method,
      path,
      endpoint,
      beta: url.searchParams.get("beta") === "true" || betas.length > 0,
      headers,
      betas,
      body: validated.body,
      wireBody: body as JsonObject,
      thread: resolved?.hold ? (resolved.continues ? { continues: resolved.continues } : "create") : null,
      stream: validated.stream,
      conversation: null,
      step: null,
      status: 200,
      response: null,
      usage: null,
      error: null,
      imageCount: validated.images.length,
    };
    requests.push(record);

    if (options.latencyMs) await sleep(options.latencyMs);

    if (endpoint === "count_tokens") {
      sendJson(res, 200, { input_tokens: inputTokens(validated) }, requestId);
      return;
    }

    const fail = (e: ApiError) => {
      record.status = e.status;
      record.error = errorBody(e.type, e.message, requestId);
      sendJson(res, e.status, record.error, requestId, e.headers);
    };

    // Route to a conversation and take its next step (synchronously: concurrent requests never share a step).
    const matching = convs.filter((c) => c.match !== null && conversationMatches({ name: c.name, match: c.match, steps: [] }, validated.body));
    if (matching.length > 1) {
      return fail(invalid(`scripted-anthropic: the request matches several conversations: ${matching.map((c) => c.name).join(", ")}`));
    }
    const conv = matching[0] ?? defaultConv;
    if (!conv) {
      return fail(invalid(`scripted-anthropic: no conversation matches this request (conversations: ${convs.map((c) => c.name).join(", ")}) and there is no default script`));
    }
    record.conversation = conv.name;
    const stepIndex = conv.next;
    const step = conv.steps[stepIndex];
    if (step === undefined) {
      return fail(invalid(`scripted-anthropic: the script of conversation '${conv.name}' is exhausted: it has ${conv.steps.length} step(s) and this is request ${stepIndex + 1} of that conversation`));
    }
    conv.next++;
    record.step = stepIndex;

    const result = typeof step === "function"
      ? await step(makeStepContext({
        body: validated.body,
        headers,
        conversation: conv.name,
        step: stepIndex,
        stream: validated.stream,
        tools: validated.tools.map((t) => t.def),
      }))
      : step;

    if (isScriptedError(result) && !(result.midStream && validated.stream)) {
      const e = result.error;
      return fail(new ApiError(e.type, e.message, e.status, e.headers ?? {}));
    }

    // Build the message, with usage from the cache simulation.
    let content: WireContentBlock[];
    let reply: ScriptedReply | null = null;
    try {
      reply = isScriptedError(result) ? { content: [] } : result;
      content = buildContent(reply, validated, ids);
    } catch (e) {
      if (e instanceof ApiError) return fail(e);
      throw e;
    }
    let stopReason = reply.stop_reason ?? (content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
    let outputTokens = reply.output_tokens ?? (content.length === 0 ? 0 : outputTokensOf(content));
    const maxTokens = validated.maxTokens ?? 0;
    if (outputTokens > maxTokens && reply.output_tokens === undefined) {
      ({ content, outputTokens } = truncate(content, maxTokens));
      stopReason = "max_tokens";
    }
    const outcome = cache.apply(validated.model, prefixBlocks(validated));
    const usage: WireUsage = {
      input_tokens: outcome.uncachedTokens,
      cache_creation_input_tokens: outcome.cacheWrite5mTokens + outcome.cacheWrite1hTokens,
      cache_read_input_tokens: outcome.cacheReadTokens,
      cache_creation: { ephemeral_5m_input_tokens: outcome.cacheWrite5mTokens, ephemeral_1h_input_tokens: outcome.cacheWrite1hTokens },
      output_tokens: outputTokens,
      service_tier: "standard",
      server_tool_use: null,
      inference_geo: null,
      output_tokens_details: null,
      speed: null,
    };
    const message = buildMessage({
      id: ids.message(),
      model: validated.model,
      content,
      stopReason,
      stopSequence: reply.stop_sequence ?? null,
      usage,
      beta: record.beta,
    });
    record.response = message;
    record.usage = usage;
    if (resolved && !isScriptedError(result)) threads.hold(resolved, message.id, message as unknown as JsonObject);

    if (!validated.stream) {
      sendJson(res, 200, message, requestId);
      return;
    }
    const frames = isScriptedError(result)
      ? sseErrorFrames(message, result.error.type, result.error.message, requestId)
      : sseFrames(message, options.chunking);
    if (isScriptedError(result)) record.error = errorBody(result.error.type, result.error.message, requestId);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "request-id": requestId,
      "anthropic-organization-id": ORG_ID,
    });
    for (const f of frames) {
      if (res.destroyed) return;
      res.write(f);
      if (options.frameDelayMs) await sleep(options.frameDelayMs);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const allConvs = () => [...(defaultConv ? [defaultConv] : []), ...convs];
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    rejections,
    cache,
    threads,
    requestsOf: (name) => requests.filter((r) => r.conversation === name),
    remainingSteps: () => Object.fromEntries(allConvs().map((c) => [c.name, c.steps.length - c.next])),
    assertScriptConsumed() {
      const left = allConvs().filter((c) => c.next < c.steps.length).map((c) => `${c.name}: ${c.steps.length - c.next} step(s) left`);
      if (left.length) throw new Error(`scripted-anthropic: script not consumed (${left.join("; ")})`);
    },
    assertNoRejections() {
      if (rejections.length) {
        throw new Error(`scripted-anthropic: ${rejections.length} request(s) rejected:\n${rejections.map((r) => `  ${r.status} ${r.path}: ${r.error.error.message}`).join("\n")}`);
      }
    },
    enqueue(name, ...steps) {
      const c = allConvs().find((x) => x.name === name);
      if (!c) throw new Error(`scripted-anthropic: no conversation '${name}'`);
      c.steps.push(...steps);
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      for (const s of sockets) s.destroy();
    }),
  };
}

const ORG_ID = "00000000-0000-4000-8000-00000000d5f1";

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "request-id": requestId,
    "anthropic-organization-id": ORG_ID,
    ...extra,
  });
  res.end(text);
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function bearer(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1];
}

/** The body, or null when it exceeds the API's request size limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_REQUEST_BYTES) tooLarge = true;
    else parts.push(b);
  }
  return tooLarge ? null : Buffer.concat(parts);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The wire content of a scripted reply, checked against the tools the request offered. */
function buildContent(reply: ScriptedReply, v: ValidatedRequest, ids: IdMint): WireContentBlock[] {
  const blocks = typeof reply.content === "string" ? [{ type: "text" as const, text: reply.content }] : reply.content;
  const named = new Set(v.tools.flatMap((t) => (t.name !== null ? [t.name] : [])));
  const toolset = v.tools.find((t) => t.type === COMPUTER_TOOLSET_TYPE);
  return blocks.map((b): WireContentBlock => {
    if (b.type === "text") return { type: "text", text: b.text, citations: null };
    let toolsetName = b.toolset_name;
    if (toolsetName === undefined && !named.has(b.name) && toolset?.members.includes(b.name)) toolsetName = COMPUTER_TOOLSET_NAME;
    if (toolsetName !== undefined) {
      if (toolsetName !== COMPUTER_TOOLSET_NAME || !toolset) {
        throw invalid(`scripted-anthropic: script bug: the reply calls toolset '${toolsetName}' member '${b.name}' but the request declares no such toolset`);
      }
      if (!toolset.members.includes(b.name)) {
        throw invalid(`scripted-anthropic: script bug: the reply calls '${b.name}', which is not an enabled member of the request's computer toolset`);
      }
    } else if (!named.has(b.name) && !b.forged) {
      throw invalid(`scripted-anthropic: script bug: the reply calls tool '${b.name}' but the request offers only: ${[...named, ...(toolset ? toolset.members.map((m) => `computer.${m}`) : [])].join(", ") || "(no tools)"}`);
    } else if (!b.forged) {
      const decl = v.tools.find((t) => t.name === b.name)!;
      const problem = inputProblem(decl.def, decl.type, b.input);
      if (problem) throw invalid(`scripted-anthropic: script bug: the reply calls '${b.name}' with input its schema forbids: ${problem}`);
    }
    const out: WireContentBlock = { type: "tool_use", id: b.id ?? ids.toolUse(), name: b.name, input: b.input, caller: { type: "direct" } };
    if (toolsetName !== undefined) out.toolset_name = toolsetName;
    return out;
  });
}

/** Cut a reply at max_tokens, as a model that runs out of output tokens would be cut. */
function truncate(content: WireContentBlock[], maxTokens: number): { content: WireContentBlock[]; outputTokens: number } {
  const out: WireContentBlock[] = [];
  let budget = maxTokens;
  for (const b of content) {
    if (budget <= 0) break;
    const cost = outputTokensOf([b]);
    if (cost <= budget) {
      out.push(b);
      budget -= cost;
      continue;
    }
    if (b.type === "text") {
      const t = b.text.slice(0, budget * 4).replace(/\s+$/, "");
      if (t.length > 0) out.push({ ...b, text: t });
    }
    budget = 0;
  }
  return { content: out, outputTokens: maxTokens - budget };
}

export type { ScriptedError };
