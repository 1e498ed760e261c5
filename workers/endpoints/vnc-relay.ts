import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { CloseCode, DesktopId, VncQuery, VncTicket } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { errorResponse, jsonContent, secureRoute, webSocketResponses } from "../http/route.ts";
import { ApiError, errorBody, notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { requireRole } from "../auth/authenticate.ts";
import { hostRefusal, resolveHost } from "../auth/host-auth.ts";
import { grantOf } from "../auth/identity.ts";
import { getDesktop } from "../../db/desktops.ts";
import { desktopObject } from "../../domain/addresses.ts";
import { recordGrant } from "../../domain/access/revocation.ts";
import { grantedUpgrade } from "../../domain/websocket/socket-grant.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { enforceLimit } from "../http/rate-limits.ts";

const DesktopParam = z.object({ id: DesktopId });
const TunnelQuery = z.object({ tunnel: z.string().regex(/^tun_[A-Za-z0-9_-]{8,64}$/), ticket: z.string().min(1).max(200) });

/**
 * Browsers cannot set headers on a WebSocket, so the relay also takes a
 * one-time ticket in the query; the DesktopDO checks and spends it. Without a
 * ticket the usual bearer/session authentication applies (CLIs, tests).
 */
function ticketOrViewer(): MiddlewareHandler<AppEnv> {
  const viewer = requireRole("viewer");
  return async (c, next) => (c.req.query("ticket") !== undefined ? next() : viewer(c, next));
}

export const vncRelay = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "post",
      path: "/api/desktops/{id}/vnc-ticket",
      summary: "A one-time ticket (60 s) for the live VNC view of a desktop",
      request: { params: DesktopParam },
      responses: { 201: jsonContent(VncTicket, "Open `url` as a WebSocket within 60 s; it works once"), 429: errorResponse("Too many live views opened; wait and retry") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await getDesktop(c.env.DB, id))) throw notFound("desktop", id);
      const who = c.var.identity;
      await enforceLimit(c.env, "LIMIT_VIEWERS", who.id);
      const grant = grantOf(who);
      await recordGrant(c.env, grant, `desktop:${id}`);
      const { ticket, expiresAt } = await desktopObject(c.env, id).issueViewerTicket(id, grant);
      return c.json({ ticket, expiresAt, url: `/api/desktops/${id}/vnc?ticket=${ticket}` }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/desktops/{id}/vnc",
      summary: "The live VNC view (WebSocket, binary RFB; security type None). Authenticate with `?ticket=` from POST …/vnc-ticket, or a bearer token",
      request: { params: DesktopParam, query: VncQuery },
      // Widened on purpose: the inferred union of two differently-keyed objects makes Hono's
      // route types fall back to `string` paths, which breaks the dashboard's hc<AppType> client.
      security: [{ bearer: [] }, { vncTicket: [] }] as Record<string, string[]>[],
      "x-deskfleet-access": "viewer",
      middleware: [ticketOrViewer()] as const,
      responses: {
        ...webSocketResponses("The RFB stream; closes with 4401 for a bad ticket, 4503 when the desktop has no VNC route, 4504 when pairing timed out"),
        401: errorResponse("No ticket and no credentials"),
        422: errorResponse("Invalid desktop id or ticket"),
        429: errorResponse("Too many live views opened; wait and retry"),
      },
    }),
    async (c) => {
      const params = DesktopParam.safeParse(c.req.param());
      if (!params.success) throw new ApiError(422, "invalid_input", "param is invalid: id is not a desktop id");
      const query = VncQuery.safeParse(c.req.query());
      if (!query.success) throw new ApiError(422, "invalid_input", `query is invalid: ${query.error.issues[0]?.message}`);
      const { id } = params.data;
      const { ticket } = query.data;
      if (!isWebSocketUpgrade(c.req.raw)) return upgradeRequired();
      if (!(await getDesktop(c.env.DB, id))) return refuseSocket(CloseCode.noVncRoute, `desktop ${id} does not exist`);
      let viewer = null;
      if (ticket === undefined) {
        // Authenticated here (bearer or cookie); a ticket was counted and recorded when it was issued.
        await enforceLimit(c.env, "LIMIT_VIEWERS", c.var.identity.id);
        viewer = grantOf(c.var.identity);
        await recordGrant(c.env, viewer, `desktop:${id}`);
      }
      const res = await desktopObject(c.env, id).fetch(grantedUpgrade({ socket: "viewer", desktopId: id, viewer, ticket: ticket ?? null }));
      // Older noVNC (and websockify clients) ask for the `binary` subprotocol and drop a socket that does not echo it.
      const asked = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
      if (res.webSocket && asked.includes("binary")) return new Response(null, { status: 101, webSocket: res.webSocket, headers: { "sec-websocket-protocol": "binary" } });
      return res;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/hosts/tunnel",
      summary: "A host's VNC tunnel for one viewer (WebSocket, `Authorization: Bearer <host token>`), dialed when the control socket says `tunnel_open`",
      security: [{ hostToken: [] }],
      "x-deskfleet-access": "host",
      responses: { ...webSocketResponses("The tunnel"), 401: errorResponse("Missing or invalid host token"), 429: errorResponse("Too many failed authentications from this address") },
    }),
    async (c) => {
      const host = await resolveHost(c);
      if (!host) {
        const message = "the host token is missing or not valid; tunnels are dialed by deskfleet-host with its --token";
        const refusal = await hostRefusal(c, message);
        if (refusal.status === 429) throw refusal;
        if (isWebSocketUpgrade(c.req.raw)) return refuseSocket(CloseCode.badToken, message);
        return c.json(errorBody(refusal.code, message), 401);
      }
      if (!isWebSocketUpgrade(c.req.raw)) return upgradeRequired();
      // Validated after authentication, so an anonymous caller learns nothing but 401.
      const query = TunnelQuery.safeParse(c.req.query());
      if (!query.success) return refuseSocket(CloseCode.badTicket, "the tunnel needs ?tunnel=tun_…&ticket=… from a tunnel_open message");
      const { tunnel, ticket } = query.data;
      return desktopObject(c.env, host.desktopId).fetch(grantedUpgrade({ socket: "tunnel", desktopId: host.desktopId, credential: host.credential, tunnelId: tunnel, ticket }));
    },
  );
