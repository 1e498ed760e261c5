import { base32Decode, type TotpSeed } from "@deskfleet/protocol";

const HASH = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" } as const;

/**
 * The RFC 6238 code of a seed at a time (epoch ms): HOTP (RFC 4226) over the
 * number of periods since the epoch, with the seed's hash, digits and period.
 * Computed where the seed is unsealed, so only the code leaves.
 */
export async function totpCode(seed: TotpSeed, atMs: number): Promise<string> {
  const counter = Math.floor(atMs / 1000 / seed.period);
  const message = new Uint8Array(8);
  // 64-bit big-endian counter; the high word matters only after the year 10^4 at 30 s periods, but is kept exact.
  new DataView(message.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(message.buffer).setUint32(4, counter >>> 0);
  const key = await crypto.subtle.importKey("raw", base32Decode(seed.secret), { name: "HMAC", hash: HASH[seed.algorithm] }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** seed.digits).padStart(seed.digits, "0");
}

/** Seconds until the code at `atMs` changes: a code typed in its last seconds may arrive stale. */
export function secondsLeft(seed: TotpSeed, atMs: number): number {
  const periodMs = seed.period * 1000;
  return (periodMs - (atMs % periodMs)) / 1000;
}
