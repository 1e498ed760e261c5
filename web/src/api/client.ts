import { hc } from "hono/client";
import type { AppType } from "../../../workers/app.ts";

/**
 * The typed API client: request and response shapes come from the Worker's
 * own routes (only the type is imported; no Worker code reaches the bundle).
 * Same-origin requests carry the HttpOnly session cookie by themselves.
 */
export const api = hc<AppType>(globalThis.location?.origin ?? "http://localhost").api;
