/**
 * Deterministic token estimates, and the request as the ordered list of blocks
 * that prompt caching sees (tools → system → messages).
 *
 * The estimates are not the real tokenizer; they are stable and documented so a
 * cost benchmark compares like with like:
 * - text: ceil(chars / 4)
 * - image: ceil(w * h / 750) after the API's documented downscaling (long edge
 *   ≤ 1568 px and at most ~1600 tokens, aspect ratio kept); url/file sources
 *   count as the 1600-token maximum
 * - a custom tool definition: ceil(JSON of name, description, input_schema / 4)
 * - the computer tools (beta `computer_*` and the GA toolset): 466 system-prompt
 *   tokens + 735 definition tokens, as the computer-use docs state
 * - any tools at all: 346 tokens of tool-use system prompt (tool_choice auto/none)
 * - tool_use: ceil((name + JSON input) / 4); tool_result: its content
 */
import type { JsonObject, ValidatedRequest } from "./validate-request.ts";

export const TOOL_USE_SYSTEM_PROMPT_TOKENS = 346;
export const COMPUTER_TOOL_TOKENS = 466 + 735;
const MAX_IMAGE_TOKENS = 1600;
const MAX_LONG_EDGE = 1568;

export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Tokens of an image of w×h pixels, after the API's automatic downscaling. */
export function imageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const long = Math.max(w, h);
  if (long > MAX_LONG_EDGE) {
    const s = MAX_LONG_EDGE / long;
    w = Math.round(w * s);
    h = Math.round(h * s);
  }
  const maxArea = MAX_IMAGE_TOKENS * 750;
  if (w * h > maxArea) {
    const s = Math.sqrt(maxArea / (w * h));
    w = Math.floor(w * s);
    h = Math.floor(h * s);
  }
  return Math.ceil((w * h) / 750);
}

/** One block of the cacheable prefix: its identity (cache_control stripped), its tokens and its breakpoint. */
export interface PrefixBlock {
  key: string;
  tokens: number;
  /** Set when this block carries a cache_control breakpoint. */
  cache: "5m" | "1h" | null;
  /** Where it is in the request, for debugging: "tools.0", "system.1", "messages.3.content.0". */
  where: string;
}

function stripCacheControl(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripCacheControl);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "cache_control") out[k] = stripCacheControl(x);
    return out;
  }
  return v;
}

function ttlOf(block: JsonObject): "5m" | "1h" | null {
  const cc = block["cache_control"];
  if (typeof cc !== "object" || cc === null || Array.isArray(cc)) return null;
  return cc["ttl"] === "1h" ? "1h" : "5m";
}

/** Tokens of one content block of a message (or of a tool_result's content). */
export function blockTokens(block: JsonObject, v: Pick<ValidatedRequest, "imageInfo">): number {
  switch (block["type"]) {
    case "text":
      return textTokens(String(block["text"] ?? ""));
    case "image": {
      const info = v.imageInfo.get(block);
      return info ? imageTokens(info.width, info.height) : MAX_IMAGE_TOKENS;
    }
    case "tool_use":
      return textTokens(String(block["name"] ?? "") + JSON.stringify(block["input"] ?? {}));
    case "tool_result": {
      const c = block["content"];
      if (c === undefined) return 1;
      if (typeof c === "string") return Math.max(1, textTokens(c));
      let n = 0;
      for (const inner of c as JsonObject[]) n += blockTokens(inner, v);
      return Math.max(1, n);
    }
    case "thinking":
      return textTokens(String(block["thinking"] ?? ""));
    case "redacted_thinking":
      return textTokens(String(block["data"] ?? ""));
    default:
      return textTokens(JSON.stringify(stripCacheControl(block)));
  }
}

export function toolTokens(def: JsonObject, type: string): number {
  if (type === "custom") {
    return textTokens(JSON.stringify({ name: def["name"], description: def["description"], input_schema: def["input_schema"] }));
  }
  if (type.startsWith("computer_")) return COMPUTER_TOOL_TOKENS;
  return textTokens(JSON.stringify(stripCacheControl(def)));
}

/** The request as prompt caching sees it: tools, then system, then every message's blocks, in order. */
export function prefixBlocks(v: ValidatedRequest): PrefixBlock[] {
  const out: PrefixBlock[] = [];
  v.tools.forEach((t, i) => {
    out.push({
      key: `tool:${JSON.stringify(stripCacheControl(t.def))}`,
      tokens: toolTokens(t.def, t.type) + (i === 0 ? TOOL_USE_SYSTEM_PROMPT_TOKENS : 0),
      cache: ttlOf(t.def),
      where: `tools.${i}`,
    });
  });
  v.system.forEach((b, i) => {
    out.push({ key: `system:${JSON.stringify(stripCacheControl(b))}`, tokens: blockTokens(b, v), cache: ttlOf(b), where: `system.${i}` });
  });
  v.messages.forEach((m, i) => {
    m.content.forEach((b, j) => {
      // A breakpoint inside a tool_result's content marks the tool_result block's end.
      let cache = ttlOf(b);
      if (b["type"] === "tool_result" && Array.isArray(b["content"])) {
        for (const inner of b["content"] as JsonObject[]) {
          const t = ttlOf(inner);
          if (t !== null && cache === null) cache = t;
        }
      }
      out.push({
        key: `${m.role}:${JSON.stringify(stripCacheControl(b))}`,
        tokens: blockTokens(b, v),
        cache,
        where: `messages.${i}.content.${j}`,
      });
    });
  });
  const top = v.body["cache_control"];
  const last = out[out.length - 1];
  if (last && typeof top === "object" && top !== null && !Array.isArray(top) && last.cache === null) {
    last.cache = top["ttl"] === "1h" ? "1h" : "5m";
  }
  return out;
}

export function inputTokens(v: ValidatedRequest): number {
  return prefixBlocks(v).reduce((n, b) => n + b.tokens, 0);
}

/** Output tokens of a reply's content blocks (at least 1). */
export function outputTokensOf(content: readonly { type: string; text?: string; name?: string; input?: unknown }[]): number {
  let n = 0;
  for (const b of content) {
    if (b.type === "text") n += textTokens(b.text ?? "");
    else if (b.type === "tool_use") n += textTokens((b.name ?? "") + JSON.stringify(b.input ?? {}));
  }
  return Math.max(1, n);
}

/** The `usage` object of a response, in the API's shape. */
export interface WireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  service_tier: "standard";
  server_tool_use: null;
  inference_geo: null;
  output_tokens_details: null;
  speed: null;
}
