import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../../domain/api-error.ts";
import { sha256Hex } from "../../db/token-secrets.ts";
import { findDesktopByHostTokenHash } from "../../db/desktops.ts";

export type HostIdentity = { desktopId: string };

/**
 * Resolves a host token (`dfh_…`, from POST /api/desktops/:id/host-token) to its desktop.
 * Returns null for a missing or unknown token.
 */
export async function resolveHost(d1: D1Database, authorization: string | undefined): Promise<HostIdentity | null> {
  const match = /^Bearer\s+(dfh_\S+)$/i.exec(authorization ?? "");
  if (!match?.[1]) return null;
  const row = await findDesktopByHostTokenHash(d1, await sha256Hex(match[1]));
  return row ? { desktopId: row.id } : null;
}

/** For host HTTP routes (not the WebSocket, which closes with a code instead). */
export function requireHost(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const host = await resolveHost(c.env.DB, c.req.header("authorization"));
    if (!host) {
      throw new ApiError(401, "invalid_host_token", "send `Authorization: Bearer <host token>`; create one with POST /api/desktops/:id/host-token");
    }
    c.set("identity", { kind: "api_token", id: `host:${host.desktopId}`, name: `host ${host.desktopId}`, role: "viewer" });
    await next();
  };
}
