import { VNC_SECURITY_PARAM } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";

/**
 * What is sealed at rest about a VNC URL: its user and password, and its query string — where
 * websockify and the like take their tokens (`wss://host/websockify?token=…`).
 */
export type VncCredentials = { username?: string; password?: string; query?: string };

export const hasCredentials = (c: VncCredentials): boolean => Boolean(c.username || c.password || c.query);

function decodeCredential(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError(422, "invalid_vnc_url", `the ${what} in vncUrl has a malformed percent-escape; write a literal % as %25 (or send the password as vncPassword)`);
  }
}

/** Splits credentials and the query off a VNC URL so only the address is ever stored or shown in clear. */
export function splitVncUrl(raw: string): { address: string; credentials: VncCredentials } {
  const url = new URL(raw);
  const credentials: VncCredentials = {};
  if (url.username) credentials.username = decodeCredential(url.username, "user name");
  if (url.password) credentials.password = decodeCredential(url.password, "password");
  // ?security= is ours (which methods to allow), not the server's: it stays in the address in clear.
  const security = url.searchParams.get(VNC_SECURITY_PARAM);
  url.searchParams.delete(VNC_SECURITY_PARAM);
  if (url.search.length > 1) credentials.query = url.search.slice(1);
  url.username = "";
  url.password = "";
  url.search = "";
  if (security !== null) url.searchParams.set(VNC_SECURITY_PARAM, security);
  url.hash = "";
  return { address: url.toString().replace(/\/$/, ""), credentials };
}
