import { hc } from "hono/client";
import type { AppType } from "../../../workers/app.ts";

let bearer: string | null = null;

/**
 * The Telegram desktop Mini App signs in with a short-lived bearer token (a cookie would not reach
 * Telegram's web client, which frames the page); the dashboard never sets one.
 */
export function setBearerToken(token: string | null): void {
  bearer = token;
}

/**
 * The typed API client: request and response shapes come from the Worker's
 * own routes (only the type is imported; no Worker code reaches the bundle).
 * Same-origin requests carry the HttpOnly session cookie by themselves.
 */
export const api = hc<AppType>(globalThis.location?.origin ?? "http://localhost", {
  headers: (): Record<string, string> => (bearer ? { authorization: `Bearer ${bearer}` } : {}),
}).api;
