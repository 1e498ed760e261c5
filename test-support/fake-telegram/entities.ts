import type { MessageEntity } from "grammy/types";

/** A text as Telegram stores it: the visible text and its entities (offsets in UTF-16 code units). */
export type FormattedText = { text: string; entities: MessageEntity[] };

/** Telegram's "byte offset" in parse errors is the UTF-8 offset into the text as sent. */
export const byteOffset = (source: string, index: number): number => new TextEncoder().encode(source.slice(0, index)).length;

/** Sorted as Telegram returns them: by offset, then the longer (outer) entity first. */
export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
}

const COMMAND = /(^|[\s(])(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|[\s.,;:!?)])/g;
const URL = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;
const MENTION = /(^|[^A-Za-z0-9_/@])(@[A-Za-z0-9_]{5,32})(?![A-Za-z0-9_])/g;

/**
 * Entities Telegram adds on its own to a sent text (bot commands, @mentions, links),
 * except where the text already has a code, pre or text_link entity.
 */
export function autoEntities(f: FormattedText): FormattedText {
  const covered = f.entities.filter((e) => e.type === "code" || e.type === "pre" || e.type === "text_link");
  const free = (offset: number, length: number) => !covered.some((e) => offset < e.offset + e.length && e.offset < offset + length);
  const found: MessageEntity[] = [];
  for (const m of f.text.matchAll(COMMAND)) {
    const offset = (m.index ?? 0) + (m[1]?.length ?? 0);
    const length = m[2]?.length ?? 0;
    if (free(offset, length)) found.push({ type: "bot_command", offset, length });
  }
  for (const m of f.text.matchAll(MENTION)) {
    const offset = (m.index ?? 0) + (m[1]?.length ?? 0);
    const length = m[2]?.length ?? 0;
    if (free(offset, length) && !found.some((e) => offset < e.offset + e.length && e.offset < offset + length)) found.push({ type: "mention", offset, length });
  }
  for (const m of f.text.matchAll(URL)) {
    const offset = m.index ?? 0;
    if (free(offset, m[0].length)) found.push({ type: "url", offset, length: m[0].length });
  }
  return { text: f.text, entities: sortEntities([...f.entities, ...found]) };
}
