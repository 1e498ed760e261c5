export type VncCredentials = { username?: string; password?: string };

/** Splits credentials off a VNC URL so only the address is ever stored or shown in clear. */
export function splitVncUrl(raw: string): { address: string; credentials: VncCredentials } {
  const url = new URL(raw);
  const credentials: VncCredentials = {};
  if (url.username) credentials.username = decodeURIComponent(url.username);
  if (url.password) credentials.password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  return { address: url.toString().replace(/\/$/, ""), credentials };
}
