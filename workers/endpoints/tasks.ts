import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CancelTaskBody, CreateTaskBody, EventsQuery, ListTasksQuery, Task, TaskEvent, TaskId, TaskMessageBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { ownOnlyOwner } from "../../domain/access/own-only.ts";
import { visibleTask } from "../http/visible.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, unwrap } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { createTask } from "../../domain/tasks/create-task.ts";
import { decodeCursor, listTasks, toTask } from "../../db/tasks.ts";
import { listEvents } from "../../db/task-events.ts";
import { taskObject } from "../../domain/addresses.ts";
import { eventForViewer, readsAnswers } from "../../domain/tasks/redact.ts";

const TaskParam = z.object({ id: TaskId });


export const tasks = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/tasks",
      summary: "Submit a task to a desktop, to desktops with labels, or to any desktop",
      request: { body: jsonBody(CreateTaskBody) },
      responses: { 201: jsonContent(Task, "The queued task") },
    }),
    async (c) => {
      const { prompt, desktopId, labels, priority, agent, ...options } = c.req.valid("json");
      const identity = c.var.identity;
      const task = await createTask(c.env, {
        prompt,
        desktopId: desktopId ?? null,
        labels: labels ?? [],
        priority: priority ?? 0,
        options,
        agent: agent ?? null,
        source: identity.kind === "session" ? "dashboard" : "api",
        sourceMeta: { by: identity.id, role: identity.role },
      });
      return c.json(task, 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks",
      summary: "List and search tasks, newest first (cursor pagination)",
      request: { query: ListTasksQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(Task), nextCursor: z.string().nullable() }), "A page of tasks") },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (cursor === null) throw new ApiError(422, "invalid_cursor", "cursor is not one this API returned; start again without it");
      const owner = ownOnlyOwner(c.env, c.var.identity);
      const page = await listTasks(c.env.DB, { ...q, cursor, ...(owner ? { owner } : {}) });
      return c.json({ items: page.items.map(toTask), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}",
      summary: "One task",
      request: { params: TaskParam },
      responses: { 200: jsonContent(Task, "The task") },
    }),
    async (c) => c.json(toTask(await visibleTask(c.env, c.var.identity, c.req.valid("param").id)), 200),
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/events",
      summary: "A task's events after a sequence number, in order (help answers only for operators and admins)",
      request: { params: TaskParam, query: EventsQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(TaskEvent), lastSeq: z.number() }), "Events in order") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      await visibleTask(c.env, c.var.identity, id);
      const items = await listEvents(c.env.DB, id, after, limit);
      return c.json({ items: readsAnswers(c.var.identity.role) ? items : items.map(eventForViewer), lastSeq: items.at(-1)?.seq ?? after }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/tasks/{id}/cancel",
      summary: "Cancel a task; a running agent stops and releases held keys",
      request: { params: TaskParam, body: { required: false, content: { "application/json": { schema: CancelTaskBody } } } },
      responses: { 200: jsonContent(Task, "The cancelled task"), ...conflictResponse("Already finished") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      const body = c.req.valid("json");
      // RPC types lose Task's `sourceMeta` values (unknown), so the result is typed here, at the boundary.
      return c.json(unwrap(await taskObject(c.env, id).cancel(c.var.identity.name, body?.reason)) as Task, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/tasks/{id}/messages",
      summary: "Send a follow-up; it continues the same conversation on the same desktop",
      request: { params: TaskParam, body: jsonBody(TaskMessageBody) },
      responses: { 202: jsonContent(z.object({ task: Task, event: TaskEvent }), "Accepted"), ...conflictResponse("A healer or optimizer task: the supervisor runs it and takes no follow-ups") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      const { text } = c.req.valid("json");
      return c.json(unwrap(await taskObject(c.env, id).addMessage(c.var.identity.name, text)) as { task: Task; event: TaskEvent }, 202);
    },
  );
