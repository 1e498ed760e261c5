import type { ContentBlockParam, TextBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";

/** One stored message of the model's conversation; content is always a block list. */
export type Turn = { role: "user" | "assistant"; content: ContentBlockParam[] };

export type WindowLimits = {
  /** Keep at most this many messages. */
  maxMessages: number;
  /** Keep the serialized conversation under this many characters (base64 images count in full). */
  maxChars: number;
  /** Images older than the newest `keepImages` become a short note: screenshots go stale fast and cost the most. */
  keepImages: number;
  /** Likewise PDFs people sent: each is up to 10 MB, read again on every call. */
  keepDocuments: number;
  /** Tool results older than the newest `fullToolResults` are cut to `oldToolResultChars`. */
  fullToolResults: number;
  oldToolResultChars: number;
};

export const DEFAULT_WINDOW: WindowLimits = { maxMessages: 120, maxChars: 400_000, keepImages: 3, keepDocuments: 2, fullToolResults: 12, oldToolResultChars: 1_500 };

const EPHEMERAL = { type: "ephemeral" } as const;
const IMAGE_NOTE = "[an image was here; it was removed to keep the conversation small]";
const DOCUMENT_NOTE = "[a PDF was here; it was removed to keep the conversation small]";

const isToolResultTurn = (t: Turn) => t.role === "user" && t.content.some((b) => b.type === "tool_result");
const size = (turns: Turn[]) => turns.reduce((n, t) => n + JSON.stringify(t.content).length, 0);

/**
 * The conversation as the model is sent it: old images dropped, old tool
 * results shortened, and when still too long the oldest turns cut at a
 * person's message (never between a tool_use and its tool_result, and the
 * window always starts with a user turn). Returns how many turns were cut so
 * the caller can drop them from storage too.
 */
export function fitWindow(turns: Turn[], limits: WindowLimits = DEFAULT_WINDOW): { turns: Turn[]; dropped: number } {
  let out = shrinkOld(turns, limits);
  let dropped = 0;
  while (out.length > 1 && (out.length > limits.maxMessages || size(out) > limits.maxChars)) {
    // The next start: the first user turn after index 0 that a person wrote (not tool results).
    const next = out.findIndex((t, i) => i > 0 && t.role === "user" && !isToolResultTurn(t));
    if (next <= 0) break;
    dropped += next;
    out = out.slice(next);
  }
  if (dropped > 0) {
    const [first, ...rest] = out;
    const note: TextBlockParam = { type: "text", text: `[${dropped} earlier messages of this conversation were removed to keep it short]` };
    out = [{ role: "user", content: [note, ...first!.content] }, ...rest];
  }
  return { turns: out, dropped };
}

function shrinkOld(turns: Turn[], limits: WindowLimits): Turn[] {
  let imagesLeft = limits.keepImages;
  let documentsLeft = limits.keepDocuments;
  let fullResultsLeft = limits.fullToolResults;
  const out: Turn[] = [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!;
    const content = t.content.map((b): ContentBlockParam => {
      if (b.type === "image") return imagesLeft-- > 0 ? b : { type: "text", text: IMAGE_NOTE };
      if (b.type === "document") return documentsLeft-- > 0 ? b : { type: "text", text: DOCUMENT_NOTE };
      if (b.type !== "tool_result") return b;
      const keepFull = fullResultsLeft-- > 0;
      if (typeof b.content === "string" || b.content === undefined) {
        return keepFull || (b.content ?? "").length <= limits.oldToolResultChars ? b : { ...b, content: cut(b.content ?? "", limits.oldToolResultChars) };
      }
      const inner = b.content.map((c) => {
        if (c.type === "image") return imagesLeft-- > 0 ? c : ({ type: "text", text: IMAGE_NOTE } as const);
        if (c.type === "text" && !keepFull && c.text.length > limits.oldToolResultChars) return { ...c, text: cut(c.text, limits.oldToolResultChars) };
        return c;
      });
      return { ...b, content: inner };
    });
    out.push({ role: t.role, content });
  }
  return out.reverse();
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

/**
 * At most three cache breakpoints in messages' order (the system prompt takes
 * the fourth): the newest turn, so the next request reads this one's prefix,
 * and the user turn before it, so this request reads the previous one's.
 */
export function withCacheBreakpoints(turns: Turn[]): Turn[] {
  const userIdx = turns.flatMap((t, i) => (t.role === "user" ? [i] : []));
  const marks = new Set(userIdx.slice(-2));
  return turns.map((t, i) => {
    const content = t.content.map(stripCache);
    if (!marks.has(i) || content.length === 0) return { role: t.role, content };
    const last = content.length - 1;
    content[last] = { ...content[last]!, cache_control: EPHEMERAL } as ContentBlockParam;
    return { role: t.role, content };
  });
}

function stripCache(b: ContentBlockParam): ContentBlockParam {
  if (!("cache_control" in b) || b.cache_control == null) return b;
  const { cache_control: _drop, ...rest } = b;
  return rest as ContentBlockParam;
}
