import type { MessageEntity } from "grammy/types";
import { EntityParseError } from "./bot-api-error.ts";
import { byteOffset, sortEntities, type FormattedText } from "./entities.ts";

/**
 * Telegram's HTML style (https://core.telegram.org/bots/api#html-style): only the listed tags,
 * `&lt; &gt; &amp; &quot;` and numeric entities; any other tag is an error, as are unclosed
 * and mismatched tags. Error texts follow tdlib's.
 */
const TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", ins: "underline",
  s: "strikethrough", strike: "strikethrough", del: "strikethrough", "tg-spoiler": "spoiler", span: "spoiler",
  a: "text_link", code: "code", pre: "pre", blockquote: "blockquote", "tg-emoji": "custom_emoji",
};
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

type Open = { tag: string; start: number; attrs: Record<string, string> };

export function parseHtml(source: string): FormattedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "&") {
      const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/.exec(source.slice(i, i + 12));
      const name = m?.[1];
      const decoded = name === undefined ? undefined
        : name.startsWith("#x") ? String.fromCodePoint(Math.min(parseInt(name.slice(2), 16), 0x10ffff))
        : name.startsWith("#") ? String.fromCodePoint(Math.min(Number(name.slice(1)), 0x10ffff))
        : NAMED[name];
      // An unknown named entity stays as it was written, as Telegram leaves it.
      if (m && decoded !== undefined) {
        out += decoded;
        i += m[0].length;
      } else {
        out += c;
        i += 1;
      }
      continue;
    }
    if (c !== "<") {
      out += c;
      i += 1;
      continue;
    }
    const at = byteOffset(source, i);
    const end = source.indexOf(">", i);
    if (end === -1) throw new EntityParseError(`Unclosed start tag at byte offset ${at}`);
    const inner = source.slice(i + 1, end);
    i = end + 1;
    if (inner.startsWith("/")) {
      const name = inner.slice(1).trim().toLowerCase();
      const open = stack.pop();
      if (!open) throw new EntityParseError(`Unexpected end tag at byte offset ${at}`);
      if (open.tag !== name) throw new EntityParseError(`Unmatched end tag at byte offset ${at}, expected "</${open.tag}>", found "</${name}>"`);
      closeTag(open, out, entities, stack);
      continue;
    }
    const tm = /^([a-zA-Z][a-zA-Z0-9-]*)/.exec(inner);
    const tag = tm?.[1]?.toLowerCase() ?? "";
    if (!TAGS[tag]) throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${at}`);
    const attrs: Record<string, string> = {};
    for (const a of inner.slice(tag.length).matchAll(/([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attrs[a[1]!.toLowerCase()] = a[2] ?? a[3] ?? a[4] ?? "";
    }
    if (tag === "span" && attrs["class"] !== "tg-spoiler") throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
    if (tag === "tg-emoji" && !attrs["emoji-id"]) throw new EntityParseError(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${at}`);
    stack.push({ tag, start: out.length, attrs });
  }
  const open = stack.at(-1);
  if (open) throw new EntityParseError(`Can't find end tag corresponding to start tag "${open.tag}"`);
  return { text: out, entities: sortEntities(entities) };
}

function closeTag(open: Open, out: string, entities: MessageEntity[], stack: Open[]): void {
  const length = out.length - open.start;
  if (length === 0) return;
  const type = TAGS[open.tag]!;
  const base = { offset: open.start, length };
  if (type === "text_link") {
    const href = open.attrs["href"];
    if (href) entities.push({ type: "text_link", url: href, ...base });
  } else if (type === "code" && stack.at(-1)?.tag === "pre") {
    // <pre><code class="language-x"> is a pre block with a language, not a code span.
    const language = /^language-(.+)$/.exec(open.attrs["class"] ?? "")?.[1];
    if (language) stack.at(-1)!.attrs["language"] = language;
    else entities.push({ type: "code", ...base });
  } else if (type === "pre") {
    const language = open.attrs["language"];
    entities.push(language ? { type: "pre", language, ...base } : { type: "pre", ...base });
  } else if (type === "custom_emoji") {
    entities.push({ type: "custom_emoji", custom_emoji_id: open.attrs["emoji-id"]!, ...base });
  } else if (type === "blockquote") {
    entities.push({ type: "expandable" in open.attrs ? "expandable_blockquote" : "blockquote", ...base });
  } else {
    entities.push({ type, ...base } as MessageEntity);
  }
}
