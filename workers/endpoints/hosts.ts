import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CloseCode } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { errorResponse, webSocketResponses } from "../http/route.ts";
import { errorBody } from "../../domain/api-error.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { resolveHost } from "../auth/host-auth.ts";
import { desktopObject } from "../../domain/addresses.ts";
import { VERIFIED_DESKTOP_HEADER } from "../../durable-objects/desktop/worker-headers.ts";

export const hosts = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/api/hosts/connect",
    summary: "A desktop host's control socket (WebSocket, `Authorization: Bearer <host token>`)",
    security: [{ hostToken: [] }],
    "x-deskfleet-access": "host",
    responses: { ...webSocketResponses("The control socket; closes with 4401 for a bad host token, 4403 for another desktop's"), 401: errorResponse("Missing or invalid host token") },
  }),
  async (c) => {
    const isUpgrade = isWebSocketUpgrade(c.req.raw);
    const host = await resolveHost(c.env.DB, c.req.header("authorization"));
    if (!host) {
      const message = "the host token is missing or not valid; create one with POST /api/desktops/<id>/host-token (dashboard: Add desktop) and pass it as --token";
      if (isUpgrade) return refuseSocket(CloseCode.badToken, message);
      return c.json(errorBody("invalid_host_token", message), 401);
    }
    if (!isUpgrade) return upgradeRequired();
    const claimed = c.req.header("x-deskfleet-desktop");
    if (claimed && claimed !== host.desktopId) {
      return refuseSocket(CloseCode.wrongDesktop, `this host token belongs to desktop ${host.desktopId}, not ${claimed}; run the host with --desktop ${host.desktopId}`);
    }
    const forwarded = new Request(c.req.raw);
    forwarded.headers.set(VERIFIED_DESKTOP_HEADER, host.desktopId);
    return desktopObject(c.env, host.desktopId).fetch(forwarded);
  },
);
