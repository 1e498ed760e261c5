import { ApiError } from "../api-error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * AES-GCM encryption at rest. Each use has its own key, derived with HKDF
 * from DESKFLEET_SECRET_KEY and a purpose label, so a value sealed for one
 * purpose never opens as another; `context` (a secret's name, a help
 * request's id) is bound as additional data, so a sealed value cannot be
 * moved to another row. DESKFLEET_SECRET_KEY_PREVIOUS, while it is set,
 * still opens values sealed before a key rotation (`npm run secrets:rekey`
 * re-seals them under the current key).
 *
 * Formats: `v2.<base64(iv | ciphertext)>`; `v1.…` is the format before
 * purposes (VNC credentials only, one key, no additional data), still opened.
 */

export type SealPurpose = "vnc-credentials" | "vault-secret" | "help-answer";

/** Where the keys come from: the Worker's Env, or a test's stand-in. */
export type KeyMaterial = { DESKFLEET_SECRET_KEY?: string | undefined; DESKFLEET_SECRET_KEY_PREVIOUS?: string | undefined };

/** A sealed value neither key opens (a third key, or tampering). */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealedValueError";
  }
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function derive(secret: string, salt: string, info: string): Promise<CryptoKey> {
  const id = `${salt}\u0000${info}\u0000${secret}`;
  let key = keyCache.get(id);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode(salt), info: encoder.encode(info) },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keyCache.set(id, key);
  }
  return key;
}

function currentSecret(keys: KeyMaterial): string {
  const secret = keys.DESKFLEET_SECRET_KEY;
  if (!secret || secret.length < 16) {
    throw new ApiError(
      422,
      "secret_key_missing",
      "storing credentials needs the DESKFLEET_SECRET_KEY secret (at least 16 characters): `wrangler secret put DESKFLEET_SECRET_KEY`",
    );
  }
  return secret;
}

const v2Key = (secret: string, purpose: SealPurpose) => derive(secret, "deskfleet/secret-box/v2", purpose);
const v1Key = (secret: string) => derive(secret, "deskfleet/secret-box/v1", "");

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

export async function seal(keys: KeyMaterial, purpose: SealPurpose, plaintext: string, context = ""): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await v2Key(currentSecret(keys), purpose);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, encoder.encode(plaintext)));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return `v2.${toBase64(out)}`;
}

/** Opens with the current key, then the previous one; throws SealedValueError when neither opens it. */
export async function open(keys: KeyMaterial, purpose: SealPurpose, sealed: string, context = ""): Promise<string> {
  const opened = await tryOpen(keys, purpose, sealed, context);
  if (opened === null) throw new SealedValueError(`a sealed ${purpose} value does not open with DESKFLEET_SECRET_KEY${keys.DESKFLEET_SECRET_KEY_PREVIOUS ? " or DESKFLEET_SECRET_KEY_PREVIOUS" : ""}`);
  return opened.plaintext;
}

/** The plaintext and whether it is sealed as `seal` would seal it now (current key, current format); null when no key opens it. */
export async function tryOpen(keys: KeyMaterial, purpose: SealPurpose, sealed: string, context = ""): Promise<{ plaintext: string; current: boolean } | null> {
  const version = sealed.slice(0, 3);
  if (version !== "v1." && version !== "v2.") throw new SealedValueError("unknown secret-box format");
  if (version === "v1." && purpose !== "vnc-credentials") throw new SealedValueError(`v1 sealed values hold VNC credentials only, not ${purpose}`);
  const bytes = fromBase64(sealed.slice(3));
  const candidates = [currentSecret(keys), keys.DESKFLEET_SECRET_KEY_PREVIOUS].filter((k): k is string => typeof k === "string" && k.length >= 16);
  for (const [i, secret] of candidates.entries()) {
    const key = version === "v2." ? await v2Key(secret, purpose) : await v1Key(secret);
    const params = { name: "AES-GCM", iv: bytes.slice(0, 12), ...(version === "v2." ? { additionalData: encoder.encode(context) } : {}) };
    try {
      const pt = await crypto.subtle.decrypt(params, key, bytes.slice(12));
      return { plaintext: decoder.decode(pt), current: i === 0 && version === "v2." };
    } catch {
      // Not this key: try the next.
    }
  }
  return null;
}
