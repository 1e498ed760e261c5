/**
 * The API's error shape and status codes, and the ids it hands out.
 *
 * Body: {"type":"error","error":{"type":...,"message":...},"request_id":"req_..."}
 */

export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

/** The status code the API answers each error type with. */
export const STATUS_OF_ERROR_TYPE: Readonly<Record<ApiErrorType, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** An error the server answers with instead of a message. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly headers: Readonly<Record<string, string>>;
  /** Machine-readable `error.details` (e.g. the message-thread error codes). */
  details: Record<string, unknown> | undefined;
  constructor(type: ApiErrorType, message: string, status?: number, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.type = type;
    this.status = status ?? STATUS_OF_ERROR_TYPE[type];
    this.headers = headers;
  }
}

/** Shorthand for the most common one: 400 invalid_request_error. */
export function invalid(message: string): ApiError {
  return new ApiError("invalid_request_error", message);
}

export interface ErrorBody {
  type: "error";
  error: { type: string; message: string; details?: Record<string, unknown> };
  request_id: string;
}

export function errorBody(type: string, message: string, requestId: string, details?: Record<string, unknown>): ErrorBody {
  return { type: "error", error: details ? { type, message, details } : { type, message }, request_id: requestId };
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Id generator in the API's style (`msg_01…`, `toolu_01…`, `req_011C…`): a prefix and 24 base-62
 * characters. Deterministic per server (a seed and a counter), so two runs of a benchmark see the
 * same ids.
 */
export class IdMint {
  #state: number;
  constructor(seed = 0x5eed) {
    this.#state = seed >>> 0 || 1;
  }
  #next(): number {
    // xorshift32: cheap and deterministic
    let x = this.#state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.#state = x;
    return x;
  }
  #chars(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += BASE62[this.#next() % 62];
    return s;
  }
  message(): string { return `msg_01${this.#chars(22)}`; }
  toolUse(): string { return `toolu_01${this.#chars(22)}`; }
  request(): string { return `req_011C${this.#chars(20)}`; }
}
