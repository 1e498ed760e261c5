import { z } from "zod";

/**
 * Telegram Mini App `initData`, verified as Telegram documents it
 * (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 * secret key = HMAC-SHA256(key "WebAppData", message bot token); hash = hex
 * HMAC-SHA256(secret key, data-check-string), where the data-check-string is
 * every received field but `hash`, as `key=value` (values decoded), sorted by
 * key, joined by "\n". Compared in constant time; `auth_date` must be fresh.
 */

const WebAppUser = z.looseObject({
  id: z.number().int().positive(),
  first_name: z.string().max(256).default(""),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});
export type WebAppUser = z.infer<typeof WebAppUser>;

export type InitDataRefusal = { code: "init_data_malformed" | "init_data_forged" | "init_data_stale"; message: string };
export type VerifiedInitData = { user: WebAppUser; authDate: number; startParam: string | null };

/** At most this much initData is read: Telegram's is well under 4 KiB. */
export const MAX_INIT_DATA_CHARS = 8_192;

const encoder = new TextEncoder();

async function hmac(key: Uint8Array<ArrayBuffer>, message: string): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(message)));
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Constant-time comparison of two equal-format strings, so the hash cannot be guessed byte by byte. */
function sameText(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < y.length; i++) diff |= (x[i] ?? 0) ^ y[i]!;
  return diff === 0;
}

export async function verifyInitData(initData: string, botToken: string, opts: { now: number; maxAgeMs: number }): Promise<VerifiedInitData | { refused: InitDataRefusal }> {
  const malformed = (why: string) => ({ refused: { code: "init_data_malformed" as const, message: `the Telegram initData ${why}; open the desktop again from its button in Telegram` } });
  if (initData.length === 0 || initData.length > MAX_INIT_DATA_CHARS) return malformed(`is ${initData.length === 0 ? "empty" : "too long"}`);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(initData);
  } catch {
    return malformed("is not a query string");
  }
  const hashes = params.getAll("hash");
  if (hashes.length !== 1 || !/^[0-9a-f]{64}$/.test(hashes[0]!)) return malformed("has no hash (or more than one)");
  const fields: [string, string][] = [];
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (key === "hash") continue;
    // A repeated key would make the data-check-string ambiguous.
    if (seen.has(key)) return malformed(`repeats ${key}`);
    seen.add(key);
    fields.push([key, value]);
  }
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const dataCheckString = fields.map(([k, v]) => `${k}=${v}`).join("\n");
  const secret = await hmac(new Uint8Array(encoder.encode("WebAppData")), botToken);
  const expected = hex(await hmac(secret, dataCheckString));
  if (!sameText(hashes[0]!, expected)) {
    return { refused: { code: "init_data_forged", message: "the Telegram initData is not signed by this deployment's bot (forged, altered, or from another bot); open the desktop from this bot's button in Telegram" } };
  }
  // Only signed data is read from here on.
  const authDate = Number(params.get("auth_date"));
  if (!Number.isSafeInteger(authDate) || authDate <= 0) return malformed("has no auth_date");
  const ageMs = opts.now - authDate * 1000;
  if (ageMs > opts.maxAgeMs) {
    return { refused: { code: "init_data_stale", message: `the Telegram initData is ${Math.round(ageMs / 60_000)} min old; the limit is ${Math.round(opts.maxAgeMs / 60_000)} min (TELEGRAM_WEBAPP_MAX_AGE_MS): close the desktop and open it again from its button in Telegram` } };
  }
  if (ageMs < -5 * 60_000) return malformed("is dated in the future");
  let user: WebAppUser;
  try {
    const parsed = WebAppUser.safeParse(JSON.parse(params.get("user") ?? "null"));
    if (!parsed.success) return malformed("names no user");
    user = parsed.data;
  } catch {
    return malformed("has a user that is not JSON");
  }
  return { user, authDate, startParam: params.get("start_param") };
}
