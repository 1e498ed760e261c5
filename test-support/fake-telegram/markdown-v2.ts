import type { MessageEntity } from "grammy/types";
import { EntityParseError } from "./bot-api-error.ts";
import { byteOffset, sortEntities, type FormattedText } from "./entities.ts";

/**
 * Telegram's MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style), with its errors:
 * every reserved character outside an entity marker must be escaped with `\`, inside code and
 * pre only `` ` `` and `\` are special, inside a link's URL only `)` and `\`.
 */
export const MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!";

type Kind = "bold" | "italic" | "underline" | "strikethrough" | "spoiler" | "code" | "pre" | "text_link";
type Open = { kind: Kind; start: number; byteAt: number; language?: string };

// The names tdlib prints in "Can't find end of … entity".
const NAME: Record<Kind, string> = {
  bold: "Bold", italic: "Italic", underline: "Underline", strikethrough: "Strikethrough",
  spoiler: "Spoiler", code: "Code", pre: "Pre", text_link: "TextUrl",
};

const reserved = (c: string) => new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
const escapable = (c: string | undefined) => c !== undefined && c.charCodeAt(0) >= 1 && c.charCodeAt(0) <= 126;

export function parseMarkdownV2(source: string): FormattedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let quoteStart: number | null = null;
  let i = 0;

  const close = (o: Open, extra: Partial<MessageEntity> = {}) => {
    const length = out.length - o.start;
    if (length > 0) entities.push({ type: o.kind, offset: o.start, length, ...extra } as MessageEntity);
  };
  const toggle = (kind: Kind, width: number) => {
    const top = stack.at(-1);
    if (top?.kind === kind) close(stack.pop()!);
    else stack.push({ kind, start: out.length, byteAt: byteOffset(source, i) });
    i += width;
  };

  while (i < source.length) {
    const c = source[i]!;
    const top = stack.at(-1);
    if (c === "\\" && escapable(source[i + 1])) {
      out += source[i + 1];
      i += 2;
      continue;
    }
    if (top?.kind === "code" || top?.kind === "pre") {
      if (c !== "`") {
        out += c;
        i += 1;
      } else if (top.kind === "code") {
        close(stack.pop()!);
        i += 1;
      } else if (source.startsWith("```", i)) {
        const o = stack.pop()!;
        close(o, o.language ? { language: o.language } : {});
        i += 3;
      } else throw reserved("`");
      continue;
    }
    if (c === "\n" && quoteStart !== null && source[i + 1] !== ">") {
      if (out.length > quoteStart) entities.push({ type: "blockquote", offset: quoteStart, length: out.length - quoteStart });
      quoteStart = null;
    }
    if (!MARKDOWN_V2_RESERVED.includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    switch (c) {
      case "*": toggle("bold", 1); break;
      case "~": toggle("strikethrough", 1); break;
      case "_":
        if (source[i + 1] === "_" && top?.kind !== "italic") toggle("underline", 2);
        else toggle("italic", 1);
        break;
      case "|":
        if (source[i + 1] !== "|") throw reserved("|");
        toggle("spoiler", 2);
        break;
      case "[":
        stack.push({ kind: "text_link", start: out.length, byteAt: byteOffset(source, i) });
        i += 1;
        break;
      case "]": {
        if (top?.kind !== "text_link") throw reserved("]");
        stack.pop();
        i += 1;
        if (source[i] !== "(") break; // `[text]` without a URL stays plain text
        const urlAt = i;
        let url = "";
        i += 1;
        while (i < source.length && source[i] !== ")") {
          if (source[i] === "\\" && (source[i + 1] === ")" || source[i + 1] === "\\")) i += 1;
          url += source[i];
          i += 1;
        }
        if (i >= source.length) throw new EntityParseError(`Can't find end of a URL at byte offset ${byteOffset(source, urlAt)}`);
        i += 1;
        if (out.length > top.start) entities.push({ type: "text_link", offset: top.start, length: out.length - top.start, url: url.trim() });
        break;
      }
      case "`":
        if (source.startsWith("```", i)) {
          const byteAt = byteOffset(source, i);
          i += 3;
          const eol = source.indexOf("\n", i);
          const first = eol === -1 ? "" : source.slice(i, eol);
          // A first line without spaces is the language; the newline after it is not part of the text.
          let language: string | undefined;
          if (eol !== -1 && /^[A-Za-z0-9_+#.-]*$/.test(first)) {
            language = first || undefined;
            i = eol + 1;
          }
          stack.push({ kind: "pre", start: out.length, byteAt, ...(language ? { language } : {}) });
        } else toggle("code", 1);
        break;
      case ">":
        if (i !== 0 && source[i - 1] !== "\n") throw reserved(">");
        if (quoteStart === null) quoteStart = out.length;
        i += 1;
        break;
      default:
        throw reserved(c);
    }
  }
  const open = stack.at(-1);
  if (open) throw new EntityParseError(`Can't find end of ${NAME[open.kind]} entity at byte offset ${open.byteAt}`);
  if (quoteStart !== null && out.length > quoteStart) entities.push({ type: "blockquote", offset: quoteStart, length: out.length - quoteStart });
  return { text: out, entities: sortEntities(entities) };
}
