/**
 * Keeps secrets out of logs: the configured values themselves (host token,
 * VNC password, API key), anything shaped like one, and any field whose
 * name says it holds one.
 */
const REDACTED = "[redacted]";
const SECRET_FIELD = /token|password|passwd|secret|api[-_]?key|authorization|cookie/i;
const SECRET_SHAPES: [RegExp, string][] = [
  [/\bdfh_[A-Za-z0-9_-]+/g, REDACTED], // host tokens
  [/\bdf[a-z]?_[A-Za-z0-9_-]{20,}/g, REDACTED], // other Deskfleet tokens
  [/\bsk-ant-[A-Za-z0-9_-]+/g, REDACTED], // Anthropic API keys
  [/(\bBearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${REDACTED}@`], // credentials in a URL (vnc://user:pass@host)
];

export type Redactor = {
  text(s: string): string;
  /** A copy of a value with secret-named fields and secret-shaped strings replaced. */
  value(v: unknown): unknown;
};

export function createRedactor(secrets: readonly (string | undefined | null)[] = []): Redactor {
  // Longest first so a secret that contains another is replaced whole; very short values would blank ordinary words.
  const known = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4).sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s;
    for (const k of known) out = out.split(k).join(REDACTED);
    for (const [re, replacement] of SECRET_SHAPES) out = out.replace(re, replacement);
    return out;
  };
  const value = (v: unknown, depth = 0): unknown => {
    if (typeof v === "string") return text(v);
    if (depth > 6 || v === null || typeof v !== "object") return v;
    if (v instanceof Error) return text(v.stack ?? `${v.name}: ${v.message}`);
    if (Array.isArray(v)) return v.map((x) => value(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_FIELD.test(k) && x != null && x !== "" ? REDACTED : value(x, depth + 1);
    return out;
  };
  return { text, value: (v) => value(v) };
}
