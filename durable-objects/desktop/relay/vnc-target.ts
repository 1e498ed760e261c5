import { VNC_SECURITY_PARAM, VncSecurityList, type VncSecurityMethod } from "@deskfleet/protocol";
import type { HandshakeOptions } from "@deskfleet/rfb/rfb-handshake";
import { open, type KeyMaterial } from "../../../domain/crypto/secret-box.ts";
import type { VncCredentials } from "../../../domain/crypto/vnc-url.ts";

// What the object needs to reach a VNC-only desktop: its stored address, the
// methods its URL allows (?security=) and the credentials (and a URL's query) decrypted from D1,
// which never leave this object.

export type VncTarget = { address: string; username?: string; password?: string; security?: VncSecurityMethod[] };

/** The stored address plus the decrypted credentials; they stay inside this object. */
export async function vncTarget(keys: KeyMaterial, address: string, sealed: string | null): Promise<VncTarget> {
  const target: VncTarget = { address };
  const listed = new URL(address).searchParams.get(VNC_SECURITY_PARAM);
  if (listed !== null) {
    // Validated when the URL was stored; one that no longer parses allows nothing rather than everything.
    const security = VncSecurityList.safeParse(listed);
    target.security = security.success ? security.data : [];
  }
  if (!sealed) return target;
  const credentials = JSON.parse(await open(keys, "vnc-credentials", sealed)) as VncCredentials;
  // A ws(s):// URL's query (websockify tokens) is sealed with the credentials and dialed, never shown.
  if (credentials.query) target.address = `${address}${address.includes("?") ? "&" : "?"}${credentials.query}`;
  if (credentials.username) target.username = credentials.username;
  if (credentials.password) target.password = credentials.password;
  return target;
}

/** The handshake's credentials and allowed methods, from the target. */
export function handshakeOptions(target: VncTarget): HandshakeOptions {
  return {
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.security !== undefined ? { security: target.security } : {}),
  };
}
