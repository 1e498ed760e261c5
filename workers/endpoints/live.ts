import { OpenAPIHono, z } from "@hono/zod-openapi";
import { TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { secureRoute, webSocketResponses } from "../http/route.ts";
import { notFound } from "../../domain/api-error.ts";
import { requireUpgrade } from "../../domain/websocket/upgrade.ts";
import { validationHook } from "../http/errors.ts";
import { getTaskRow } from "../../db/tasks.ts";
import { fleetObject, taskObject } from "../../domain/addresses.ts";

export const live = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/live",
      summary: "The fleet feed (WebSocket): desktop presence and task status changes",
      responses: webSocketResponses("Switching protocols: a WebSocket of JSON messages"),
    }),
    async (c) => {
      return requireUpgrade(c.req.raw) ?? fleetObject(c.env).fetch(c.req.raw);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/live",
      summary: "A task's events (WebSocket): replays from `after`, then live",
      request: { params: z.object({ id: TaskId }), query: z.object({ after: z.coerce.number().int().nonnegative().optional() }) },
      responses: webSocketResponses("Switching protocols: a WebSocket of JSON messages"),
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await getTaskRow(c.env.DB, id))) throw notFound("task", id);
      return requireUpgrade(c.req.raw) ?? taskObject(c.env, id).fetch(c.req.raw);
    },
  );
