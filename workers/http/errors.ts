import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { ApiError, describeZodError, errorBody } from "../../domain/api-error.ts";

/** One place that maps errors to the JSON envelope. Anything unexpected is logged and answered generically. */
export function onError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) {
    if (err.retryAfterSeconds !== undefined) c.header("Retry-After", String(err.retryAfterSeconds));
    return c.json(errorBody(err.code, err.message), err.status);
  }
  if (err instanceof HTTPException) {
    if (err.status === 413) return c.json(errorBody("payload_too_large", err.message || "the request body is too large"), 413);
    const status = err.status >= 400 && err.status < 500 ? err.status : 400;
    const message = err.message || "the request could not be understood";
    const code = /json/i.test(message) ? "invalid_json" : "bad_request";
    return c.json(errorBody(code, message), status);
  }
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, err instanceof Error ? (err.stack ?? err.message) : String(err));
  return c.json(errorBody("internal", "something went wrong on our side; the request was not completed — retry, and report it if it persists"), 500);
}

export function notFoundHandler(c: Context): Response {
  return c.json(errorBody("route_not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}; see /api/openapi.json`), 404);
}

/** Validation failures of params, query or body: 422 with what is wrong. */
export function validationHook(result: { success: boolean; error?: unknown; target?: string }, c: Context): Response | undefined {
  if (result.success) return undefined;
  const message = describeZodError(result.error as ZodError);
  return c.json(errorBody("invalid_input", `${result.target ?? "input"} is invalid: ${message}`), 422);
}

export { ApiError };
