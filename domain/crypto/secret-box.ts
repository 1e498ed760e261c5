import { ApiError } from "../api-error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * AES-GCM encryption at rest for secrets such as VNC passwords. The key is
 * derived from the DESKFLEET_SECRET_KEY secret with HKDF, so any string of
 * enough entropy works as the secret.
 */
async function keyFrom(secret: string | undefined): Promise<CryptoKey> {
  if (!secret || secret.length < 16) {
    throw new ApiError(
      422,
      "secret_key_missing",
      "storing VNC credentials needs the DESKFLEET_SECRET_KEY secret (at least 16 characters): `wrangler secret put DESKFLEET_SECRET_KEY`",
    );
  }
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("deskfleet/secret-box/v1"), info: new Uint8Array() },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

export async function seal(secret: string | undefined, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyFrom(secret);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(plaintext)));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return `v1.${toBase64(out)}`;
}

export async function open(secret: string | undefined, sealed: string): Promise<string> {
  if (!sealed.startsWith("v1.")) throw new Error("unknown secret-box format");
  const bytes = fromBase64(sealed.slice(3));
  const key = await keyFrom(secret);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, key, bytes.slice(12));
  return decoder.decode(pt);
}
