/**
 * RFC 6238 seeds as people paste them: a base32 secret (RFC 4648, any case,
 * spaces and `=` padding ignored) or an `otpauth://totp/…` URI with its
 * algorithm, digits and period. Parsing only; codes are computed by the
 * control plane (domain/vault/totp.ts), where the seed is unsealed.
 */

export const TOTP_ALGORITHMS = ["SHA1", "SHA256", "SHA512"] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];

export type TotpParams = { algorithm: TotpAlgorithm; digits: number; period: number };
export type TotpSeed = TotpParams & { /** The secret, normalized: uppercase base32 without spaces or padding. */ secret: string };

export const TOTP_DEFAULTS: TotpParams = { algorithm: "SHA1", digits: 6, period: 30 };

/** RFC 4226 asks for at least 128 bits; 80-bit seeds (16 base32 characters) are what many sites hand out. */
const MIN_SEED_BYTES = 10;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export type ParsedSeed = { ok: true; seed: TotpSeed } | { ok: false; reason: string };

export function parseTotpSeed(raw: string): ParsedSeed {
  const text = raw.trim();
  if (/^otpauth:/i.test(text)) return parseUri(text);
  return checkedSecret(text, TOTP_DEFAULTS);
}

function parseUri(text: string): ParsedSeed {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "the otpauth:// URI does not parse; paste it as the authenticator app shows it" };
  }
  // `otpauth://totp/…` parses with the type as the host.
  if (url.hostname.toLowerCase() !== "totp") return { ok: false, reason: `only otpauth://totp/ URIs are supported, not otpauth://${url.hostname}/` };
  const q = url.searchParams;
  const secret = q.get("secret");
  if (!secret) return { ok: false, reason: "the otpauth:// URI has no secret= parameter" };
  const algorithm = (q.get("algorithm") ?? TOTP_DEFAULTS.algorithm).toUpperCase().replace("-", "");
  if (!(TOTP_ALGORITHMS as readonly string[]).includes(algorithm)) return { ok: false, reason: `algorithm must be SHA1, SHA256 or SHA512, not ${algorithm}` };
  const digits = Number(q.get("digits") ?? TOTP_DEFAULTS.digits);
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) return { ok: false, reason: "digits must be 6, 7 or 8" };
  const period = Number(q.get("period") ?? TOTP_DEFAULTS.period);
  if (!Number.isInteger(period) || period < 1 || period > 300) return { ok: false, reason: "period must be a whole number of seconds from 1 to 300" };
  return checkedSecret(secret, { algorithm: algorithm as TotpAlgorithm, digits, period });
}

function checkedSecret(raw: string, params: TotpParams): ParsedSeed {
  const secret = raw.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
  if (secret === "") return { ok: false, reason: "a TOTP seed must not be empty" };
  if (![...secret].every((c) => BASE32.includes(c))) {
    return { ok: false, reason: "a TOTP seed must be base32 (letters A-Z and digits 2-7) or an otpauth://totp/ URI" };
  }
  if (Math.floor((secret.length * 5) / 8) < MIN_SEED_BYTES) return { ok: false, reason: `a TOTP seed must hold at least ${MIN_SEED_BYTES} bytes (16 base32 characters)` };
  return { ok: true, seed: { secret, ...params } };
}

/** The bytes of a normalized base32 secret (RFC 4648, no padding). */
export function base32Decode(secret: string): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of secret) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new TypeError(`not base32: ${JSON.stringify(c)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** Base32 of bytes, without padding (for tests and for seeds generated from raw bytes). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
