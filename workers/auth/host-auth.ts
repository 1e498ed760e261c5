import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../../domain/api-error.ts";
import { hostCredential } from "../../domain/access/credentials.ts";
import { sha256Hex } from "../../db/token-secrets.ts";
import { findDesktopByHostTokenHash } from "../../db/desktops.ts";
import { authFailure } from "./authenticate.ts";

export type HostIdentity = { desktopId: string; credential: string };

/**
 * Resolves a host token (`dfh_…`, from POST /api/desktops/:id/host-token) to its desktop and the
 * token's credential reference. Null for a missing or unknown token; a presented but unknown token
 * counts as a failed authentication (and may make the answer a 429).
 */
export async function resolveHost(c: Context<AppEnv>): Promise<HostIdentity | null> {
  const authorization = c.req.header("authorization");
  const match = /^Bearer\s+(dfh_\S+)$/i.exec(authorization ?? "");
  if (!match?.[1]) return null;
  const hash = await sha256Hex(match[1]);
  const row = await findDesktopByHostTokenHash(c.env.DB, hash);
  return row ? { desktopId: row.id, credential: hostCredential(hash) } : null;
}

const HOST_TOKEN_HELP = "send `Authorization: Bearer <host token>`; create one with POST /api/desktops/:id/host-token";

/** The refusal of a missing or unknown host token: 401, or 429 once this address failed too often. */
export async function hostRefusal(c: Context<AppEnv>, message = HOST_TOKEN_HELP): Promise<ApiError> {
  const error = new ApiError(401, "invalid_host_token", message);
  return c.req.header("authorization") ? authFailure(c, error) : error;
}

/** For host HTTP routes (not the WebSocket, which closes with a code instead). */
export function requireHost(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const host = await resolveHost(c);
    if (!host) throw await hostRefusal(c);
    c.set("identity", { kind: "api_token", id: `host:${host.desktopId}`, name: `host ${host.desktopId}`, role: "viewer", credential: host.credential });
    await next();
  };
}
