import type { RichLine } from "./rich-text.ts";

/** Telegram's limit for a message text, after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** One message to send: MarkdownV2, or plain text only (a single line too long to split safely with its markup). */
export type Chunk = { markdown: string | null; plain: string };

/**
 * Splits lines into messages of at most `limit` visible characters, on line boundaries. The plain
 * form's length is what Telegram counts after parsing. A line longer than the limit is cut into
 * plain-text pieces, since cutting MarkdownV2 could break an escape or an entity.
 */
export function splitMessage(lines: RichLine[], limit = TELEGRAM_TEXT_LIMIT): Chunk[] {
  const chunks: Chunk[] = [];
  let md: string[] = [];
  let plain: string[] = [];
  let size = 0;
  const flush = () => {
    if (plain.some((p) => p.trim() !== "")) chunks.push({ markdown: md.join("\n"), plain: plain.join("\n") });
    md = [];
    plain = [];
    size = 0;
  };
  for (const l of lines) {
    if (l.plain.length > limit) {
      flush();
      for (let i = 0; i < l.plain.length; i += limit) chunks.push({ markdown: null, plain: l.plain.slice(i, i + limit) });
      continue;
    }
    const added = (plain.length > 0 ? 1 : 0) + l.plain.length;
    if (size + added > limit) flush();
    size += (plain.length > 0 ? 1 : 0) + l.plain.length;
    md.push(l.markdown);
    plain.push(l.plain);
  }
  flush();
  return chunks;
}
