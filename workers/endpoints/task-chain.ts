import { OpenAPIHono, z } from "@hono/zod-openapi";
import { Task, TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, secureRoute } from "../http/route.ts";
import { notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { getTaskRow, toTask } from "../../db/tasks.ts";
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
    const row = await getTaskRow(c.env.DB, id);
    if (!row) throw notFound("task", id);
    const rootTaskId = row.originalTaskId ?? row.id;
    return c.json({ rootTaskId, items: (await listChain(c.env.DB, rootTaskId)).map(toTask) }, 200);
  },
);
