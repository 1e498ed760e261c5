import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { HOST_PROTOCOL_VERSION } from "@deskfleet/protocol";

const Health = z.object({ ok: z.boolean(), service: z.string(), hostProtocolVersion: z.number(), time: z.number() });

export const health = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/api/health",
    summary: "Liveness check (public)",
    "x-deskfleet-access": "public",
    responses: { 200: { description: "The control plane is up", content: { "application/json": { schema: Health } } } },
  }),
  (c) => c.json({ ok: true, service: "deskfleet", hostProtocolVersion: HOST_PROTOCOL_VERSION, time: Date.now() }, 200),
);
