import { OpenAPIHono, z } from "@hono/zod-openapi";
import { TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { secureRoute, webSocketResponses } from "../http/route.ts";
import { requireUpgrade } from "../../domain/websocket/upgrade.ts";
import { grantedUpgrade } from "../../domain/websocket/socket-grant.ts";
import { recordGrant } from "../../domain/access/revocation.ts";
import { validationHook } from "../http/errors.ts";
import { grantOf } from "../auth/identity.ts";
import { visibleTask } from "../http/visible.ts";
import { fleetObject, taskObject } from "../../domain/addresses.ts";

export const live = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/live",
      summary: "The fleet feed (WebSocket): desktop presence and task status changes",
      responses: webSocketResponses("Switching protocols: a WebSocket of JSON messages; closes with 4401 when the credential or session it was opened with is revoked"),
    }),
    async (c) => {
      const refused = requireUpgrade(c.req.raw);
      if (refused) return refused;
      const reader = grantOf(c.var.identity);
      await recordGrant(c.env, reader, "fleet");
      return fleetObject(c.env).fetch(grantedUpgrade({ socket: "feed", reader }));
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/live",
      summary: "A task's events (WebSocket): replays from `after`, then live",
      request: { params: z.object({ id: TaskId }), query: z.object({ after: z.coerce.number().int().nonnegative().optional() }) },
      responses: webSocketResponses("Switching protocols: a WebSocket of JSON messages; closes with 4401 when the credential or session it was opened with is revoked"),
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      const refused = requireUpgrade(c.req.raw);
      if (refused) return refused;
      const reader = grantOf(c.var.identity);
      await recordGrant(c.env, reader, `task:${id}`);
      return taskObject(c.env, id).fetch(grantedUpgrade({ socket: "watcher", reader, after: c.req.valid("query").after ?? 0 }));
    },
  );
