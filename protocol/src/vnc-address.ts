import { VNC_SECURITY_PARAM, VncSecurityList } from "./vnc-security.ts";

/**
 * Whether the control plane reaches a desktop's VNC address without encryption across a network:
 * `vnc://` (RFB over plain TCP; VNC's own password check is a weak DES challenge) and `ws://`,
 * unless the address is this machine (a local `wrangler dev`) or a `vnc://` URL allows only
 * VeNCrypt's X509 methods (`?security=X509Vnc`), which the control plane speaks over TLS.
 * `wss://` is encrypted.
 */
export function isUnencryptedVncAddress(address: string): boolean {
  if (!URL.canParse(address)) return false;
  const url = new URL(address);
  if (url.protocol !== "vnc:" && url.protocol !== "ws:") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const security = VncSecurityList.safeParse(url.searchParams.get(VNC_SECURITY_PARAM) ?? "");
  if (url.protocol === "vnc:" && security.success && security.data.every((m) => m.startsWith("X509"))) return false;
  return !(host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host));
}

/** An address as it may be shown: never credentials, never a query string (tokens travel there) but our own `?security=`. */
export function shownVncAddress(address: string): string {
  if (!URL.canParse(address)) return address.replace(/[?#].*$/, "");
  const url = new URL(address);
  url.username = "";
  url.password = "";
  const security = url.searchParams.get(VNC_SECURITY_PARAM);
  url.search = "";
  url.hash = "";
  if (security !== null) url.searchParams.set(VNC_SECURITY_PARAM, security);
  return url.toString().replace(/\/$/, "");
}
