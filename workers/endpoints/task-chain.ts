import { OpenAPIHono, z } from "@hono/zod-openapi";
import { Task, TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, secureRoute } from "../http/route.ts";
import { maySee } from "../../domain/access/own-only.ts";
import { visibleTask } from "../http/visible.ts";
import { validationHook } from "../http/errors.ts";
import { toTask } from "../../db/tasks.ts";
import { listChain } from "../../db/task-chains.ts";

export const taskChain = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  secureRoute("viewer", {
    method: "get",
    path: "/api/tasks/{id}/chain",
    summary: "The self-healing chain a task belongs to: its first task, every retry and the healer tasks between them, oldest first",
    request: { params: z.object({ id: TaskId }) },
    responses: { 200: jsonContent(z.object({ rootTaskId: TaskId, items: z.array(Task) }), "The chain") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const row = await visibleTask(c.env, c.var.identity, id);
    const rootTaskId = row.originalTaskId ?? row.id;
    // A chain is one owner's: its retries and healers carry the first task's creator.
    return c.json({ rootTaskId, items: (await listChain(c.env.DB, rootTaskId)).filter((t) => maySee(c.env, c.var.identity, t.sourceMeta ?? null)).map(toTask) }, 200);
  },
);
