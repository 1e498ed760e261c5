/**
 * The last line of defence for secret values: any known value found in text
 * (agent words, tool results, event payloads, log lines) is replaced by its
 * label — `[secret:github]`, or `[secret answer]` for a secret help answer —
 * before it is stored or sent anywhere. Used by the host (logger and event
 * emit path) and by TaskDO (ingest).
 */

export const SECRET_ANSWER_LABEL = "[secret answer]";
export const secretLabel = (name: string): string => `[secret:${name}]`;

/** A value to keep out of text, and what stands in its place. */
export type KnownSecret = { value: string; label: string };

export type SecretRedactor = {
  text(s: string): string;
  /** A copy of a JSON-like value with every string redacted (plain objects and arrays, nested; an Error becomes its text). */
  value<T>(v: T): T;
  /** Whether any known value occurs in the text. */
  finds(s: string): boolean;
};

/** Shorter values would blank ordinary words; the vault refuses them (MIN_SECRET_CHARS), answers this short are left alone. */
const MIN_REDACTED_CHARS = 4;

export function secretRedactor(known: readonly KnownSecret[]): SecretRedactor {
  // Longest first, so a value that contains another is replaced whole.
  const list = known.filter((k) => k.value.length >= MIN_REDACTED_CHARS).sort((a, b) => b.value.length - a.value.length);
  const text = (s: string): string => {
    let out = s;
    for (const k of list) if (out.includes(k.value)) out = out.split(k.value).join(k.label);
    return out;
  };
  const value = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return text(v);
    if (v === null || typeof v !== "object" || depth > 20) return v;
    if (Array.isArray(v)) return v.map((x) => value(x, depth + 1));
    // An error becomes its redacted text (as loggers print it); other class instances (bytes, dates) are left alone.
    if (v instanceof Error) return text(v.stack ?? `${v.name}: ${v.message}`);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = value(x, depth + 1);
    return out;
  };
  return {
    text: (s) => (list.length === 0 ? s : text(s)),
    value: <T>(v: T): T => (list.length === 0 ? v : (value(v, 0) as T)),
    finds: (s) => list.some((k) => s.includes(k.value)),
  };
}
