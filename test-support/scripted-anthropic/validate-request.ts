/**
 * Validates a Messages API request body the way the API does, throwing the API's
 * 400 invalid_request_error (with a dotted path to the offending field, as the
 * API writes it) on the first problem found.
 *
 * Header checks (auth, version, betas) live in server.ts; this module checks the
 * body given the betas the request enabled.
 */
import { ApiError, invalid } from "./api-error.ts";
import { readImageInfo, type ImageInfo } from "@deskfleet/protocol/image-info";
import { validateToolDefinition } from "./tool-definitions.ts";
import {
  BETA_COMPUTER_TOOLS, BETA_ONLY_BODY_FIELDS, COMPUTER_TOOLSET_MEMBERS, COMPUTER_TOOLSET_NAME,
  COMPUTER_TOOLSET_TYPE, GA_BODY_FIELDS, GA_TOOL_TYPES, IMAGE_MEDIA_TYPES, LEGACY_SAMPLING_FIELDS,
  MANY_IMAGES_MAX_PX, MANY_IMAGES_THRESHOLD, MAX_CACHE_BREAKPOINTS, MAX_IMAGE_BYTES, MAX_IMAGE_PX,
  MAX_IMAGES_PER_REQUEST, TOOLSET_ENTRY_FIELDS, TOOLSET_MEMBER_CONFIG_FIELDS, VERSION_WITHOUT_SAMPLING,
} from "./wire-constants.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface ValidateOptions {
  /** `messages` for POST /v1/messages, `count_tokens` for /v1/messages/count_tokens (no max_tokens). */
  endpoint: "messages" | "count_tokens";
  /** Values of the `anthropic-beta` header, already split and trimmed. */
  betas: ReadonlySet<string>;
  apiVersion: string;
  /**
   * Consecutive same-role turns: `merge` does what the API documents ("Consecutive `user` or
   * `assistant` turns in your request will be combined into a single turn"); `strict` rejects them.
   */
  alternation: "merge" | "strict";
  /** Whether `computer_toolset_20260801` is accepted for this model (false simulates a provider without it). */
  acceptsComputerToolset: (model: string) => boolean;
  /** Tool types this server pretends not to know (rejected as unknown tags). */
  rejectedToolTypes: ReadonlySet<string>;
  /** Models that exist; others get 404 not_found_error. Null: any model. */
  models: ReadonlySet<string> | null;
  /** Largest `max_tokens` accepted. */
  maxOutputTokens: number;
}

/** A content block with where it sits, in the API's prefix order. */
export interface ImageRef {
  path: string;
  info: ImageInfo | null; // null for url/file sources (not measured)
  block: JsonObject;
}

export interface ToolDecl {
  index: number;
  type: string; // "custom" for custom tools
  /** The name the model calls it by; null for a toolset entry. */
  name: string | null;
  /** For a toolset entry: the enabled member names. */
  members: string[];
  def: JsonObject;
}

/** One turn after merging consecutive same-role messages; indexes point into body.messages. */
export interface Turn {
  role: "user" | "assistant";
  blocks: { block: JsonObject; messageIndex: number; blockIndex: number }[];
}

export interface ValidatedRequest {
  body: JsonObject;
  model: string;
  maxTokens: number | null;
  stream: boolean;
  tools: ToolDecl[];
  /** Normalised content: every message's content as an array of blocks (string → one text block). */
  messages: { role: "user" | "assistant" | "system"; content: JsonObject[] }[];
  /** System prompt as blocks (string → one text block). */
  system: JsonObject[];
  turns: Turn[];
  images: ImageRef[];
  /** Image dimensions by block object, for the token estimate. */
  imageInfo: WeakMap<object, ImageInfo>;
  cacheBreakpoints: number;
}

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const tagList = (tags: Iterable<string>) => [...tags].sort().map((t) => `'${t}'`).join(", ");
function tagError(path: string, tag: string, expected: Iterable<string>): ApiError {
  return invalid(`${path}: Input tag '${tag}' found using 'type' does not match any of the expected tags: ${tagList(expected)}`);
}
const prefix = (path: string) => (path ? `${path}.` : "");

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const USER_BLOCK_TYPES = ["text", "image", "document", "search_result", "tool_result", "container_upload"];
const ASSISTANT_BLOCK_TYPES = [
  "text", "tool_use", "thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result",
  "web_fetch_tool_result", "code_execution_tool_result", "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result", "tool_search_tool_result",
];
const TOOL_RESULT_CONTENT_TYPES = ["text", "image", "search_result", "document", "tool_reference", "browser_state"];

export function validateRequest(raw: unknown, opts: ValidateOptions): ValidatedRequest {
  if (!isObj(raw)) throw invalid("Input should be a valid dictionary or object to extract fields from");
  const body = raw;

  // --- top-level fields ---
  const allowed = new Set([...GA_BODY_FIELDS, ...BETA_ONLY_BODY_FIELDS]);
  if (opts.apiVersion !== VERSION_WITHOUT_SAMPLING) for (const f of LEGACY_SAMPLING_FIELDS) allowed.add(f);
  if (opts.endpoint === "count_tokens") { allowed.delete("max_tokens"); allowed.delete("stream"); allowed.delete("stop_sequences"); allowed.delete("metadata"); allowed.delete("service_tier"); allowed.delete("inference_geo"); allowed.delete("diagnostics"); }
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw invalid(`${key}: Extra inputs are not permitted`);
  }

  if (!("model" in body)) throw invalid("model: Field required");
  const model = body["model"];
  if (typeof model !== "string" || model.length === 0) throw invalid("model: Input should be a valid string");
  if (opts.models && !opts.models.has(model)) throw new ApiError("not_found_error", `model: ${model}`);

  let maxTokens: number | null = null;
  if (opts.endpoint === "messages") {
    if (!("max_tokens" in body)) throw invalid("max_tokens: Field required");
    const mt = body["max_tokens"];
    if (typeof mt !== "number" || !Number.isInteger(mt)) throw invalid("max_tokens: Input should be a valid integer");
    if (mt < 0) throw invalid("max_tokens: Input should be greater than or equal to 0");
    if (mt > opts.maxOutputTokens) {
      throw invalid(`max_tokens: ${mt} > ${opts.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model}`);
    }
    maxTokens = mt;
  }

  const stream = body["stream"] ?? false;
  if (typeof stream !== "boolean") throw invalid("stream: Input should be a valid boolean");
  if (body["stop_sequences"] !== undefined) {
    const ss = body["stop_sequences"];
    if (!Array.isArray(ss) || ss.some((s) => typeof s !== "string")) throw invalid("stop_sequences: Input should be a valid list of strings");
  }
  validateThinking(body, maxTokens);

  // --- cache_control accounting (tools → system → messages, plus the top-level one) ---
  const ttls: { ttl: string; path: string }[] = [];
  const noteCache = (block: JsonObject, path: string) => {
    const cc = block["cache_control"];
    if (cc === undefined || cc === null) return;
    if (!isObj(cc) || cc["type"] !== "ephemeral") throw invalid(`${prefix(path)}cache_control.type: Input should be 'ephemeral'`);
    const ttl = cc["ttl"] ?? "5m";
    if (ttl !== "5m" && ttl !== "1h") throw invalid(`${prefix(path)}cache_control.ttl: Input should be '5m' or '1h'`);
    for (const k of Object.keys(cc)) if (k !== "type" && k !== "ttl") throw invalid(`${prefix(path)}cache_control.${k}: Extra inputs are not permitted`);
    ttls.push({ ttl, path });
  };

  // --- tools ---
  const tools = validateTools(body, opts, model, noteCache);

  // --- system ---
  const system: JsonObject[] = [];
  const sys = body["system"];
  if (sys !== undefined) {
    if (typeof sys === "string") {
      if (sys.length > 0) system.push({ type: "text", text: sys });
    } else if (Array.isArray(sys)) {
      sys.forEach((b, i) => {
        const p = `system.${i}`;
        if (!isObj(b)) throw invalid(`${p}: Input should be a valid dictionary`);
        if (b["type"] !== "text") throw tagError(p, String(b["type"]), ["text"]);
        validateText(b, p);
        noteCache(b, p);
        system.push(b);
      });
    } else {
      throw invalid("system: Input should be a valid string or list of text blocks");
    }
  }

  // --- messages ---
  if (!("messages" in body)) throw invalid("messages: Field required");
  const rawMessages = body["messages"];
  if (!Array.isArray(rawMessages)) throw invalid("messages: Input should be a valid list");
  if (rawMessages.length === 0) throw invalid("messages: at least one message is required");

  const images: ImageRef[] = [];
  const imageInfo = new WeakMap<object, ImageInfo>();
  const messages: ValidatedRequest["messages"] = [];
  rawMessages.forEach((m, i) => {
    const p = `messages.${i}`;
    if (!isObj(m)) throw invalid(`${p}: Input should be a valid dictionary`);
    const role = m["role"];
    if (role !== "user" && role !== "assistant" && role !== "system") {
      throw invalid(`${p}.role: Input should be 'user', 'assistant' or 'system'`);
    }
    for (const k of Object.keys(m)) if (k !== "role" && k !== "content") throw invalid(`${p}.${k}: Extra inputs are not permitted`);
    if (!("content" in m)) throw invalid(`${p}.content: Field required`);
    const c = m["content"];
    let content: JsonObject[];
    if (typeof c === "string") content = c.length > 0 ? [{ type: "text", text: c }] : [];
    else if (Array.isArray(c)) content = c.map((b, j) => {
      if (!isObj(b)) throw invalid(`${p}.content.${j}: Input should be a valid dictionary`);
      return b;
    });
    else throw invalid(`${p}.content: Input should be a valid string or list of content blocks`);
    const isFinal = i === rawMessages.length - 1;
    if (content.length === 0 && !(isFinal && role === "assistant")) {
      throw invalid(`${p}: all messages must have non-empty content except for the optional final assistant message`);
    }
    content.forEach((b, j) => {
      const bp = `${p}.content.${j}`;
      validateBlock(b, bp, role, { images, imageInfo, noteCache });
    });
    messages.push({ role, content });
  });

  const first = messages[0];
  if (first?.role !== "user") throw invalid(`messages: first message must use the "user" role`);

  // Final assistant (prefill) content may not end with whitespace.
  const last = messages[messages.length - 1];
  if (last && last.role === "assistant") {
    const lastBlock = last.content[last.content.length - 1];
    if (lastBlock && lastBlock["type"] === "text" && typeof lastBlock["text"] === "string" && /\s$/.test(lastBlock["text"])) {
      throw invalid("messages: final assistant content cannot end with trailing whitespace");
    }
  }

  // Turns: consecutive same-role messages are one turn (or rejected when strict); system messages are not turns.
  const turns: Turn[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system") return;
    const prev = turns[turns.length - 1];
    const blocks = m.content.map((block, blockIndex) => ({ block, messageIndex: i, blockIndex }));
    if (prev && prev.role === m.role) {
      if (opts.alternation === "strict") {
        throw invalid(`messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`);
      }
      prev.blocks.push(...blocks);
    } else {
      turns.push({ role: m.role, blocks });
    }
  });

  validateToolPairing(turns, messages.some((m) => m.content.some((b) => b["type"] === "tool_use" || b["type"] === "tool_result")), tools);

  // --- images: count and the many-image limit ---
  if (images.length > MAX_IMAGES_PER_REQUEST) {
    throw invalid(`messages: Too many images in the request: ${images.length} > ${MAX_IMAGES_PER_REQUEST}, the maximum number of images per request`);
  }
  if (images.length > MANY_IMAGES_THRESHOLD) {
    for (const img of images) {
      if (img.info && (img.info.width > MANY_IMAGES_MAX_PX || img.info.height > MANY_IMAGES_MAX_PX)) {
        throw invalid(`${img.path}.source.base64.data: At least one of the image dimensions exceed max allowed size for many-image requests: ${MANY_IMAGES_MAX_PX} pixels`);
      }
    }
  }

  // --- top-level cache_control: one more breakpoint, on the last block ---
  if (body["cache_control"] !== undefined && body["cache_control"] !== null) noteCache(body, "");

  if (ttls.length > MAX_CACHE_BREAKPOINTS) {
    throw invalid(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${ttls.length}.`);
  }
  // A 1h entry may not follow a 5m one in prefix order (tools, system, messages); the top-level one sits last.
  let seen5m = false;
  for (const { ttl } of ttls) {
    if (ttl === "5m") seen5m = true;
    else if (seen5m) {
      throw invalid("a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`.");
    }
  }

  return { body, model, maxTokens, stream, tools, messages, system, turns, images, imageInfo, cacheBreakpoints: ttls.length };
}

function validateThinking(body: JsonObject, maxTokens: number | null): void {
  const t = body["thinking"];
  if (t === undefined || t === null) return;
  if (!isObj(t)) throw invalid("thinking: Input should be a valid dictionary");
  const type = String(t["type"]);
  if (type === "enabled") {
    const b = t["budget_tokens"];
    if (typeof b !== "number" || !Number.isInteger(b)) throw invalid("thinking.enabled.budget_tokens: Field required");
    if (b < 1024) throw invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
    if (maxTokens !== null && maxTokens <= b) throw invalid("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size");
  } else if (type !== "disabled" && type !== "adaptive") {
    throw tagError("thinking", type, ["adaptive", "disabled", "enabled"]);
  }
}

function validateText(b: JsonObject, path: string): void {
  const text = b["text"];
  if (typeof text !== "string") throw invalid(`${path}.text: Field required`);
  const scope = path.split(".")[0] ?? "messages";
  if (text.length === 0) throw invalid(`${scope}: text content blocks must be non-empty`);
  if (text.trim().length === 0) throw invalid(`${scope}: text content blocks must contain non-whitespace text`);
}

interface BlockCtx {
  images: ImageRef[];
  imageInfo: WeakMap<object, ImageInfo>;
  noteCache: (b: JsonObject, path: string) => void;
}

function validateBlock(b: JsonObject, path: string, role: "user" | "assistant" | "system", ctx: BlockCtx): void {
  const type = String(b["type"]);
  const expected = role === "user" ? USER_BLOCK_TYPES : role === "assistant" ? ASSISTANT_BLOCK_TYPES : ["text"];
  if (!expected.includes(type)) throw tagError(path, type, expected);
  if (type === "thinking" || type === "redacted_thinking") {
    if (b["cache_control"] != null) throw invalid(`${path}.${type}.cache_control: Extra inputs are not permitted`);
  }
  ctx.noteCache(b, path);
  switch (type) {
    case "text":
      validateText(b, path);
      return;
    case "image":
      validateImage(b, path, ctx);
      return;
    case "document":
      validateDocument(b, path);
      return;
    case "tool_use": {
      const id = b["id"];
      if (typeof id !== "string") throw invalid(`${path}.tool_use.id: Field required`);
      if (!TOOL_USE_ID.test(id)) throw invalid(`${path}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof b["name"] !== "string" || b["name"].length === 0) throw invalid(`${path}.tool_use.name: Field required`);
      if (!isObj(b["input"])) throw invalid(`${path}.tool_use.input: Input should be a valid dictionary`);
      return;
    }
    case "tool_result": {
      const id = b["tool_use_id"];
      if (typeof id !== "string") throw invalid(`${path}.tool_result.tool_use_id: Field required`);
      if (!TOOL_USE_ID.test(id)) throw invalid(`${path}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (b["is_error"] !== undefined && typeof b["is_error"] !== "boolean") throw invalid(`${path}.tool_result.is_error: Input should be a valid boolean`);
      const c = b["content"];
      if (c === undefined || typeof c === "string") return;
      if (!Array.isArray(c)) throw invalid(`${path}.tool_result.content: Input should be a valid string or list`);
      c.forEach((inner, k) => {
        const ip = `${path}.content.${k}`;
        if (!isObj(inner)) throw invalid(`${ip}: Input should be a valid dictionary`);
        const it = String(inner["type"]);
        if (!TOOL_RESULT_CONTENT_TYPES.includes(it)) throw tagError(ip, it, TOOL_RESULT_CONTENT_TYPES);
        ctx.noteCache(inner, ip);
        if (it === "text") validateText(inner, ip);
        else if (it === "image") validateImage(inner, ip, ctx);
      });
      return;
    }
    case "thinking":
      if (typeof b["thinking"] !== "string") throw invalid(`${path}.thinking.thinking: Field required`);
      if (typeof b["signature"] !== "string") throw invalid(`${path}.thinking.signature: Field required`);
      return;
    case "redacted_thinking":
      if (typeof b["data"] !== "string") throw invalid(`${path}.redacted_thinking.data: Field required`);
      return;
    default:
      return;
  }
}

/**
 * A document block: a base64 PDF (that really is a PDF), plain text, content blocks, a URL or a
 * file id, as the API's source union allows. A PDF over 32 MB would exceed the request anyway.
 */
function validateDocument(b: JsonObject, path: string): void {
  const src = b["source"];
  if (!isObj(src)) throw invalid(`${path}.document.source: Field required`);
  const st = String(src["type"]);
  const base = `${path}.document.source.${st}`;
  if (st === "url" || st === "file" || st === "content") return;
  if (st === "text") {
    if (src["media_type"] !== "text/plain") throw invalid(`${base}.media_type: Input should be 'text/plain'`);
    if (typeof src["data"] !== "string") throw invalid(`${base}.data: Field required`);
    return;
  }
  if (st !== "base64") throw tagError(`${path}.document.source`, st, ["base64", "text", "content", "url", "file"]);
  if (src["media_type"] !== "application/pdf") throw invalid(`${base}.media_type: Input should be 'application/pdf'`);
  const data = src["data"];
  if (typeof data !== "string") throw invalid(`${base}.data: Field required`);
  if (data.length % 4 !== 0 || !BASE64.test(data)) throw invalid(`${base}.data: Invalid base64 data`);
  if (!Buffer.from(data.slice(0, 8), "base64").subarray(0, 5).equals(Buffer.from("%PDF-"))) throw invalid(`${path}.document: The PDF specified was not valid.`);
  if (b["title"] !== undefined && (typeof b["title"] !== "string" || b["title"].length > 500)) throw invalid(`${path}.document.title: String should have at most 500 characters`);
}

function validateImage(b: JsonObject, path: string, ctx: BlockCtx): void {
  const src = b["source"];
  if (!isObj(src)) throw invalid(`${path}.image.source: Field required`);
  const st = String(src["type"]);
  if (st === "url" || st === "file") {
    ctx.images.push({ path, info: null, block: b });
    return;
  }
  if (st !== "base64") throw tagError(`${path}.image.source`, st, ["base64", "file", "url"]);
  const base = `${path}.image.source.base64`;
  const mt = src["media_type"];
  if (typeof mt !== "string" || !IMAGE_MEDIA_TYPES.has(mt)) {
    throw invalid(`${base}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
  }
  const data = src["data"];
  if (typeof data !== "string") throw invalid(`${base}.data: Field required`);
  if (data.length % 4 !== 0 || !BASE64.test(data)) throw invalid(`${base}.data: Invalid base64 data`);
  // Decoded size, computed before decoding (the limit applies to the bytes of the image).
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  const bytes = (data.length / 4) * 3 - padding;
  if (bytes > MAX_IMAGE_BYTES) throw invalid(`${base}: image exceeds 5 MB maximum: ${bytes} bytes > ${MAX_IMAGE_BYTES} bytes`);
  const buf = Buffer.from(data, "base64");
  const info = readImageInfo(buf);
  if (info === null) throw invalid(`${base}.data: Could not process image`);
  if (info.format !== mt) throw invalid(`${base}.data: Image does not match the provided media type ${mt}`);
  if (info.width > MAX_IMAGE_PX || info.height > MAX_IMAGE_PX) {
    throw invalid(`${base}.data: At least one of the image dimensions exceed max allowed size: ${MAX_IMAGE_PX} pixels`);
  }
  ctx.images.push({ path, info, block: b });
  ctx.imageInfo.set(b, info);
}

function validateTools(body: JsonObject, opts: ValidateOptions, model: string, noteCache: BlockCtx["noteCache"]): ToolDecl[] {
  const raw = body["tools"];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid("tools: Input should be a valid list");

  // The tags this request may use, given its betas and this server's options.
  const expected = new Set<string>(["custom"]);
  for (const t of Object.keys(GA_TOOL_TYPES)) expected.add(t);
  if (opts.acceptsComputerToolset(model)) expected.add(COMPUTER_TOOLSET_TYPE);
  for (const [t, beta] of Object.entries(BETA_COMPUTER_TOOLS)) if (opts.betas.has(beta)) expected.add(t);
  for (const t of opts.rejectedToolTypes) expected.delete(t);

  const decls: ToolDecl[] = [];
  const names = new Set<string>();
  let duplicate = false;
  raw.forEach((t, i) => {
    const p = `tools.${i}`;
    if (!isObj(t)) throw invalid(`${p}: Input should be a valid dictionary`);
    const type = t["type"] === undefined || t["type"] === null ? "custom" : String(t["type"]);
    if (!expected.has(type)) throw tagError(p, type, expected);
    noteCache(t, p);
    let decl: ToolDecl;
    if (type === "custom") {
      const name = t["name"];
      if (typeof name !== "string") throw invalid(`${p}.custom.name: Field required`);
      if (!TOOL_NAME.test(name)) throw invalid(`${p}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      const schema = t["input_schema"];
      if (!isObj(schema)) throw invalid(`${p}.custom.input_schema: Field required`);
      if (schema["type"] !== "object") throw invalid(`${p}.custom.input_schema.type: Input should be 'object'`);
      validateToolDefinition(t, type, p);
      decl = { index: i, type, name, members: [], def: t };
    } else if (type === COMPUTER_TOOLSET_TYPE) {
      for (const k of Object.keys(t)) {
        if (!TOOLSET_ENTRY_FIELDS.has(k)) throw invalid(`${p}.${type}.${k}: Extra inputs are not permitted`);
      }
      const members = new Set(COMPUTER_TOOLSET_MEMBERS);
      const configs = t["configs"];
      if (configs !== undefined && configs !== null) {
        if (!isObj(configs)) throw invalid(`${p}.${type}.configs: Input should be a valid dictionary`);
        for (const [k, v] of Object.entries(configs)) {
          if (!COMPUTER_TOOLSET_MEMBERS.includes(k)) throw invalid(`${p}.${type}.configs.${k}: Extra inputs are not permitted`);
          if (v === null) continue;
          if (!isObj(v)) throw invalid(`${p}.${type}.configs.${k}: Input should be a valid dictionary`);
          for (const [ck, cv] of Object.entries(v)) {
            if (!TOOLSET_MEMBER_CONFIG_FIELDS.has(ck)) throw invalid(`${p}.${type}.configs.${k}.${ck}: Extra inputs are not permitted`);
            if (cv !== null && typeof cv !== "boolean") throw invalid(`${p}.${type}.configs.${k}.${ck}: Input should be a valid boolean`);
          }
          if (v["enabled"] === false) members.delete(k);
        }
      }
      decl = { index: i, type, name: null, members: [...members], def: t };
      if (names.has(`toolset:${COMPUTER_TOOLSET_NAME}`) || names.has(COMPUTER_TOOLSET_NAME)) duplicate = true;
      names.add(`toolset:${COMPUTER_TOOLSET_NAME}`);
    } else if (type in BETA_COMPUTER_TOOLS) {
      if (t["name"] !== "computer") throw invalid(`${p}.${type}.name: Input should be 'computer'`);
      for (const f of ["display_width_px", "display_height_px"]) {
        const v = t[f];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw invalid(`${p}.${type}.${f}: Field required`);
      }
      decl = { index: i, type, name: "computer", members: [], def: t };
      if (names.has(`toolset:${COMPUTER_TOOLSET_NAME}`)) duplicate = true;
    } else {
      const wanted = GA_TOOL_TYPES[type] ?? null;
      if (wanted !== null && t["name"] !== wanted) throw invalid(`${p}.${type}.name: Input should be '${wanted}'`);
      validateToolDefinition(t, type, p);
      decl = { index: i, type, name: wanted, members: [], def: t };
    }
    if (decl.name !== null) {
      if (names.has(decl.name)) duplicate = true;
      names.add(decl.name);
    }
    decls.push(decl);
  });
  if (duplicate) throw invalid("tools: Tool names must be unique.");

  const tc = body["tool_choice"];
  if (tc !== undefined && tc !== null) {
    if (!isObj(tc)) throw invalid("tool_choice: Input should be a valid dictionary");
    const type = String(tc["type"]);
    if (!["auto", "any", "tool", "none"].includes(type)) throw tagError("tool_choice", type, ["any", "auto", "none", "tool"]);
    if (type === "tool" && typeof tc["name"] !== "string") throw invalid("tool_choice.tool.name: Field required");
  }
  return decls;
}

function validateToolPairing(turns: Turn[], historyHasToolBlocks: boolean, tools: ToolDecl[]): void {
  if (historyHasToolBlocks && tools.length === 0) {
    throw invalid("Requests which include `tool_use` or `tool_result` blocks must define tools.");
  }
  const seenIds = new Set<string>();
  turns.forEach((turn, t) => {
    if (turn.role !== "assistant") return;
    for (const { block, messageIndex, blockIndex } of turn.blocks) {
      if (block["type"] !== "tool_use") continue;
      const id = String(block["id"]);
      if (seenIds.has(id)) throw invalid(`messages.${messageIndex}.content.${blockIndex}: \`tool_use\` ids must be unique`);
      seenIds.add(id);
    }
    void t;
  });

  turns.forEach((turn, t) => {
    if (turn.role !== "user") return;
    const prev = t > 0 ? turns[t - 1] : undefined;
    const uses = new Map<string, JsonObject>();
    for (const { block } of prev?.blocks ?? []) if (block["type"] === "tool_use") uses.set(String(block["id"]), block);
    const answered = new Set<string>();
    for (const { block, messageIndex, blockIndex } of turn.blocks) {
      if (block["type"] !== "tool_result") continue;
      const id = String(block["tool_use_id"]);
      const use = uses.get(id);
      if (!use) {
        throw invalid(`messages.${messageIndex}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
      }
      if (answered.has(id)) {
        throw invalid(`messages.${messageIndex}.content.${blockIndex}: each \`tool_use\` block must have a single corresponding \`tool_result\` block: found more than one for ${id}`);
      }
      answered.add(id);
      const tn = block["toolset_name"];
      if (tn !== undefined && tn !== null && tn !== (use["toolset_name"] ?? null)) {
        throw invalid(`messages.${messageIndex}.content.${blockIndex}.tool_result.toolset_name: '${String(tn)}' does not match the toolset_name of tool_use ${id}`);
      }
    }
  });

  // Every tool_use must be answered at the very start of the next turn: tool_result blocks come first.
  turns.forEach((turn, t) => {
    if (turn.role !== "assistant") return;
    const ids = turn.blocks.filter(({ block }) => block["type"] === "tool_use").map(({ block }) => String(block["id"]));
    if (ids.length === 0) return;
    const next = turns[t + 1];
    const leading = new Set<string>();
    for (const { block } of next?.blocks ?? []) {
      if (block["type"] !== "tool_result") break;
      leading.add(String(block["tool_use_id"]));
    }
    const missing = ids.filter((id) => !leading.has(id));
    if (missing.length > 0) {
      const at = turn.blocks[turn.blocks.length - 1]?.messageIndex ?? 0;
      throw invalid(`messages.${at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
    }
  });
}
