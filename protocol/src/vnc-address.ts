/**
 * Whether the control plane reaches a desktop's VNC address without encryption across a network:
 * `vnc://` (RFB over plain TCP; VNC's own password check is a weak DES challenge) and `ws://`,
 * unless the address is this machine (a local `wrangler dev`). `wss://` is encrypted.
 */
export function isUnencryptedVncAddress(address: string): boolean {
  if (!URL.canParse(address)) return false;
  const url = new URL(address);
  if (url.protocol !== "vnc:" && url.protocol !== "ws:") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return !(host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host));
}

/** An address as it may be shown: never credentials, never a query string (tokens travel there). */
export function shownVncAddress(address: string): string {
  if (!URL.canParse(address)) return address.replace(/[?#].*$/, "");
  const url = new URL(address);
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/$/, "");
}
