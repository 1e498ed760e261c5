import { ApiError } from "../../domain/api-error.ts";

/**
 * The rate limits of wrangler.toml (`[[ratelimits]]`), each with its period (the binding cannot be
 * asked how long is left, so `Retry-After` says the whole period: a retry then always counts anew)
 * and what it limits, for the message.
 */
export const LIMITS = {
  LIMIT_AUTH_FAILURES: { periodS: 60, what: "failed authentications from your address" },
  LIMIT_CREDENTIALS: { periodS: 60, what: "new credentials (API tokens, sign-in links) for you" },
  LIMIT_HOST_TOKENS: { periodS: 60, what: "new host tokens for you" },
  LIMIT_SCREENSHOTS: { periodS: 60, what: "desktop screenshots for you" },
  LIMIT_INPUT: { periodS: 60, what: "desktop input requests for you" },
  LIMIT_TELEGRAM: { periodS: 60, what: "Telegram messages from this chat" },
  LIMIT_TASK_SCREENSHOTS: { periodS: 60, what: "screenshots uploaded for this task" },
  LIMIT_VIEWERS: { periodS: 60, what: "live views opened by you" },
} as const;
export type LimitName = keyof typeof LIMITS;

/** Counts one use of `key` against the limit; false once it is over. */
export async function withinLimit(env: Env, name: LimitName, key: string): Promise<boolean> {
  const { success } = await env[name].limit({ key });
  return success;
}

/** The 429 a limited request gets: the JSON error envelope and `Retry-After`. */
export function rateLimited(name: LimitName): ApiError {
  const { periodS, what } = LIMITS[name];
  return new ApiError(429, "rate_limited", `too many ${what}; wait ${periodS} s and retry`, { retryAfterSeconds: periodS });
}

/** Counts one use and throws the 429 once over the limit. */
export async function enforceLimit(env: Env, name: LimitName, key: string): Promise<void> {
  if (!(await withinLimit(env, name, key))) throw rateLimited(name);
}

/** The client's address as Cloudflare saw it (never a header the client could set on its own). */
export const clientIp = (req: Request): string => req.headers.get("cf-connecting-ip") ?? "unknown";
