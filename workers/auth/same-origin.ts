import { ApiError } from "../../domain/api-error.ts";
import { isWebSocketUpgrade } from "../../domain/websocket/upgrade.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a request authenticated by something the browser attaches on its own (the session
 * cookie, Cloudflare Access's cookie) must prove it comes from our own pages: every change, and
 * every WebSocket (a cross-site page may open one, and the cookie would go along). SameSite=Strict
 * alone is not enough: a sibling subdomain counts as the same site.
 */
export function needsOriginCheck(req: Request): boolean {
  return !SAFE_METHODS.has(req.method.toUpperCase()) || isWebSocketUpgrade(req);
}

/** Refuses (403) a request whose Origin is missing or is not this deployment's own origin. */
export function requireSameOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  const own = new URL(req.url).origin;
  if (origin === own) return;
  throw new ApiError(
    403,
    "cross_origin_refused",
    origin === null
      ? `a request signed in by cookie must come from the dashboard's own pages (no Origin header); scripts and CLIs send \`Authorization: Bearer <token>\` instead`
      : `requests from ${origin.slice(0, 100)} are refused: the dashboard's session works only from ${own}; use \`Authorization: Bearer <token>\` from elsewhere`,
  );
}
