import type { OutboundFile } from "./chat-channel.ts";

/** What a person reads in a chat before the file itself: a lead, not the text again. */
const LEAD_CHARS = 300;

/**
 * A text longer than three messages of the platform's limit (Telegram: 4,096 × 3) is sent as a
 * `.txt` file with a short lead, not as a wall of messages. Null: it goes as messages.
 */
export function longTextAsFile(text: string, messageLimit: number, name: string): { lead: string; file: OutboundFile } | null {
  if (text.length <= messageLimit * 3) return null;
  const flat = text.replace(/\s+/g, " ").trim();
  const start = flat.length > LEAD_CHARS ? `${flat.slice(0, LEAD_CHARS - 1)}…` : flat;
  const lead = `${start}\n\n(${text.length.toLocaleString("en-US")} characters: the whole text is in ${name})`;
  return { lead, file: { name, type: "text/plain; charset=utf-8", bytes: new TextEncoder().encode(text), caption: lead } };
}
