/**
 * Text we send to chat channels, kept in two forms: MarkdownV2 (escaped here, the one place that
 * knows its rules; Telegram's format) and plain text, for the fallback when Telegram rejects the
 * entities anyway and for a channel that formats differently. Formatting never spans lines, so a
 * message can be split on any line boundary.
 */
export type RichLine = { markdown: string; plain: string };
export type Segment = RichLine;

// https://core.telegram.org/bots/api#markdownv2-style
const RESERVED = /[_*[\]()~`>#+\-=|{}.!\\]/g;

export const escapeMarkdownV2 = (s: string): string => s.replace(RESERVED, (c) => `\\${c}`);
/** Inside `code` and ```pre``` only backquote and backslash are special. */
const escapeCode = (s: string): string => s.replace(/[`\\]/g, (c) => `\\${c}`);
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, " ");

export const text = (s: string): Segment => ({ markdown: escapeMarkdownV2(oneLine(s)), plain: oneLine(s) });
export const bold = (s: string): Segment => wrap("*", oneLine(s));
export const italic = (s: string): Segment => wrap("_", oneLine(s));
export const code = (s: string): Segment => ({ markdown: `\`${escapeCode(oneLine(s))}\``, plain: oneLine(s) });

function wrap(marker: string, s: string): Segment {
  return s === "" ? { markdown: "", plain: "" } : { markdown: `${marker}${escapeMarkdownV2(s)}${marker}`, plain: s };
}

/** One line from segments; plain strings are escaped as text. */
export function line(...parts: (Segment | string)[]): RichLine {
  const segs = parts.map((p) => (typeof p === "string" ? text(p) : p));
  return { markdown: segs.map((s) => s.markdown).join(""), plain: segs.map((s) => s.plain).join("") };
}

/** Free text (a task's result, an error) as lines: escaped, never formatted. */
export const paragraph = (s: string): RichLine[] => s.split("\n").map((l) => line(l));

export const blank: RichLine = { markdown: "", plain: "" };
