/**
 * Read helpers over a Messages API request body, for scripts that decide on the
 * last tool_result and for test assertions.
 */
import type { Json, JsonObject } from "./validate-request.ts";

const isObj = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function contentOf(message: unknown): JsonObject[] {
  if (!isObj(message)) return [];
  const c = message["content"];
  if (typeof c === "string") return [{ type: "text", text: c }];
  return Array.isArray(c) ? c.filter(isObj) : [];
}

function messagesOf(body: unknown): JsonObject[] {
  if (!isObj(body)) return [];
  const m = body["messages"];
  return Array.isArray(m) ? m.filter(isObj) : [];
}

export interface ToolResultView {
  /** Index of the message holding it. */
  messageIndex: number;
  toolUseId: string;
  isError: boolean;
  toolsetName: string | null;
  /** Its text, the text blocks joined with "\n" (or the string content). */
  text: string;
  /** Number of image blocks in its content. */
  images: number;
  /** The raw tool_result block. */
  block: JsonObject;
  /** The tool_use it answers (from the previous assistant turn), if present in the request. */
  toolUse: { id: string; name: string; input: Json; toolsetName: string | null } | null;
}

/** Every tool_result block of the request, in order. */
export function toolResults(body: unknown): ToolResultView[] {
  const messages = messagesOf(body);
  const uses = new Map<string, JsonObject>();
  const out: ToolResultView[] = [];
  messages.forEach((m, i) => {
    for (const b of contentOf(m)) {
      if (b["type"] === "tool_use") uses.set(String(b["id"]), b);
      if (b["type"] !== "tool_result") continue;
      const c = b["content"];
      const inner = typeof c === "string" ? [{ type: "text", text: c } as JsonObject] : Array.isArray(c) ? c.filter(isObj) : [];
      const use = uses.get(String(b["tool_use_id"]));
      out.push({
        messageIndex: i,
        toolUseId: String(b["tool_use_id"]),
        isError: b["is_error"] === true,
        toolsetName: typeof b["toolset_name"] === "string" ? b["toolset_name"] : null,
        text: inner.filter((x) => x["type"] === "text").map((x) => String(x["text"])).join("\n"),
        images: inner.filter((x) => x["type"] === "image").length,
        block: b,
        toolUse: use
          ? {
            id: String(use["id"]),
            name: String(use["name"]),
            input: use["input"] ?? null,
            toolsetName: typeof use["toolset_name"] === "string" ? use["toolset_name"] : null,
          }
          : null,
      });
    }
  });
  return out;
}

/** The last tool_result of the request (the answer to the previous turn's last tool call), or undefined. */
export function lastToolResult(body: unknown): ToolResultView | undefined {
  const all = toolResults(body);
  return all[all.length - 1];
}

/** Image blocks anywhere in the messages (tool_result contents included). */
export function countImages(body: unknown): number {
  let n = 0;
  for (const m of messagesOf(body)) {
    for (const b of contentOf(m)) {
      if (b["type"] === "image") n++;
      if (b["type"] === "tool_result" && Array.isArray(b["content"])) {
        n += b["content"].filter((x) => isObj(x) && x["type"] === "image").length;
      }
    }
  }
  return n;
}

/** Text of the last user message (its text blocks joined with "\n"). */
export function lastUserText(body: unknown): string {
  const users = messagesOf(body).filter((m) => m["role"] === "user");
  const last = users[users.length - 1];
  return contentOf(last).filter((b) => b["type"] === "text").map((b) => String(b["text"])).join("\n");
}

/** The system prompt as one string (blocks joined with "\n"). */
export function systemText(body: unknown): string {
  if (!isObj(body)) return "";
  const s = body["system"];
  if (typeof s === "string") return s;
  if (Array.isArray(s)) return s.filter(isObj).map((b) => String(b["text"] ?? "")).join("\n");
  return "";
}

/** Text of the first user message. */
export function firstUserText(body: unknown): string {
  const first = messagesOf(body).find((m) => m["role"] === "user");
  return contentOf(first).filter((b) => b["type"] === "text").map((b) => String(b["text"])).join("\n");
}
