import type { MessageEntity } from "grammy/types";
import { badRequest, EntityParseError } from "./bot-api-error.ts";
import { autoEntities, sortEntities, type FormattedText } from "./entities.ts";
import { parseHtml } from "./html.ts";
import { parseMarkdownV2 } from "./markdown-v2.ts";
import type { Params } from "./params.ts";

const ENTITY_TYPES = new Set([
  "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold", "italic", "underline",
  "strikethrough", "spoiler", "blockquote", "expandable_blockquote", "code", "pre", "text_link", "text_mention", "custom_emoji", "date_time",
]);

/**
 * A text (or caption) parameter as Telegram turns it into a message: parsed by `parse_mode`
 * (MarkdownV2, HTML; legacy Markdown is not supported here), or with explicit entities.
 */
export function formatText(p: Params, field: "text" | "caption", modeField = "parse_mode", entitiesField = field === "text" ? "entities" : "caption_entities"): FormattedText | null {
  const raw = p.string(field);
  if (raw === undefined) return null;
  const mode = p.string(modeField);
  if (mode !== undefined && mode !== "" && p.has(entitiesField)) {
    // Telegram uses explicit entities and ignores parse_mode; we are stricter so a mistake shows.
    throw badRequest(`can't use both ${modeField} and ${entitiesField}`);
  }
  let parsed: FormattedText;
  try {
    if (mode === undefined || mode === "") parsed = { text: raw, entities: explicitEntities(p, entitiesField, raw) };
    else if (mode === "MarkdownV2") parsed = parseMarkdownV2(raw);
    else if (mode === "HTML") parsed = parseHtml(raw);
    else if (mode === "Markdown") throw badRequest("legacy Markdown parse mode is not supported by this fake; use MarkdownV2");
    else throw badRequest("unsupported parse_mode");
  } catch (err) {
    if (err instanceof EntityParseError) throw badRequest(`can't parse entities: ${err.message}`);
    throw err;
  }
  return autoEntities(trimmed(parsed));
}

/** Telegram strips leading and trailing whitespace of a message text, shifting entities. */
function trimmed(f: FormattedText): FormattedText {
  const lead = f.text.length - f.text.trimStart().length;
  const text = f.text.trim();
  const entities = f.entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(text.length, e.offset - lead + e.length);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text, entities: sortEntities(entities) };
}

function explicitEntities(p: Params, field: string, text: string): MessageEntity[] {
  const v = p.json(field, "message entities");
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw badRequest(`field "${field}" must be an Array`);
  return v.map((e, i) => {
    const ok = typeof e === "object" && e !== null && ENTITY_TYPES.has(e.type) && Number.isInteger(e.offset) && Number.isInteger(e.length) &&
      e.offset >= 0 && e.length > 0 && e.offset + e.length <= text.length;
    if (!ok) throw badRequest(`can't parse entities: entity ${i} is invalid`);
    return e as MessageEntity;
  });
}
