import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CloseCode } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { errorResponse, webSocketResponses } from "../http/route.ts";
import { errorBody } from "../../domain/api-error.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { grantedUpgrade } from "../../domain/websocket/socket-grant.ts";
import { hostRefusal, resolveHost } from "../auth/host-auth.ts";
import { desktopObject } from "../../domain/addresses.ts";

export const hosts = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/api/hosts/connect",
    summary: "A desktop host's control socket (WebSocket, `Authorization: Bearer <host token>`)",
    security: [{ hostToken: [] }],
    "x-deskfleet-access": "host",
    responses: {
      ...webSocketResponses("The control socket; closes with 4401 for a bad or replaced host token, 4403 for another desktop's"),
      401: errorResponse("Missing or invalid host token"),
      429: errorResponse("Too many failed authentications from this address"),
    },
  }),
  async (c) => {
    const isUpgrade = isWebSocketUpgrade(c.req.raw);
    const host = await resolveHost(c);
    if (!host) {
      const message = "the host token is missing or not valid; create one with POST /api/desktops/<id>/host-token (dashboard: Add desktop) and pass it as --token";
      const refusal = await hostRefusal(c, message);
      if (refusal.status === 429) throw refusal;
      if (isUpgrade) return refuseSocket(CloseCode.badToken, message);
      return c.json(errorBody(refusal.code, message), 401);
    }
    if (!isUpgrade) return upgradeRequired();
    const claimed = c.req.header("x-deskfleet-desktop");
    if (claimed && claimed !== host.desktopId) {
      return refuseSocket(CloseCode.wrongDesktop, `this host token belongs to desktop ${host.desktopId}, not ${claimed}; run the host with --desktop ${host.desktopId}`);
    }
    // The object sees only what was verified here, never the client's headers.
    return desktopObject(c.env, host.desktopId).fetch(grantedUpgrade({ socket: "host", desktopId: host.desktopId, credential: host.credential }));
  },
);
