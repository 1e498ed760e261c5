import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";

/** An error a client can act on: it becomes `{"error":{"code","message"}}` with its status. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  /** For a 429: seconds until a retry can succeed (the `Retry-After` header). */
  readonly retryAfterSeconds: number | undefined;
  constructor(status: ContentfulStatusCode, code: string, message: string, opts: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export const notFound = (what: string, id: string): ApiError =>
  new ApiError(404, "not_found", `${what} \`${id}\` does not exist`);

export const conflict = (code: string, message: string): ApiError => new ApiError(409, code, message);

export const unprocessable = (code: string, message: string): ApiError => new ApiError(422, code, message);

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * Durable Object RPC methods return expected failures as values (throwing
 * across RPC logs an uncaught exception in the object), and the Worker
 * turns them back into ApiErrors with `unwrap`.
 */
export type RpcFailure = { error: { status: ContentfulStatusCode; code: string; message: string } };
export type RpcResult<T> = { ok: T } | RpcFailure;

export const rpcFail = (status: ContentfulStatusCode, code: string, message: string): RpcFailure => ({ error: { status, code, message } });

export function unwrap<T>(r: RpcResult<T>): T {
  if ("error" in r) throw new ApiError(r.error.status, r.error.code, r.error.message);
  return r.ok;
}

/** Turns a zod error into one readable line: `field.path: problem; other: problem`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`)
    .join("; ");
}
