import { OpenAPIHono, z } from "@hono/zod-openapi";
import { BudgetStatus, BudgetUpdate, FleetPauseInput, FleetState, ScheduleRunCost, ScheduleId, SpendQuery, SpendReport, TaskId, isTerminal, type Task } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { ApiError, notFound, unprocessable } from "../../domain/api-error.ts";
import { fleetObject, taskObject } from "../../domain/addresses.ts";

const monthStart = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

/**
 * The fleet's spend, budget and kill switch. FleetDO counts every model call
 * (desktops and the supervisor) and holds the fleet; these routes read it and
 * let admins change it. Each change is audited by FleetDO.
 */
export const spendApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/fleet",
      summary: "Whether the fleet runs: the kill switch, the budget as it stands, and the running tasks it holds",
      responses: { 200: jsonContent(FleetState, "The fleet's state") },
    }),
    async (c) => c.json(await fleetObject(c.env).state(), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/fleet/pause",
      summary: "Pause the fleet: nothing is dispatched, running tasks pause after their current step (or are cancelled), schedules hold their slots",
      request: { body: { required: false, content: { "application/json": { schema: FleetPauseInput } } } },
      responses: { 200: jsonContent(FleetState, "Paused (pausing again changes nothing)") },
    }),
    async (c) => {
      const body = (c.req.valid("json") as z.infer<typeof FleetPauseInput> | undefined) ?? { running: "pause" as const };
      return c.json(await fleetObject(c.env).pauseFleet(body.running, c.var.identity.name), 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/fleet/resume",
      summary: "Resume the fleet: paused tasks go on, the queue is dispatched, held schedule slots run at the next minute if still due",
      responses: { 200: jsonContent(FleetState, "Running (resuming a running fleet changes nothing)") },
    }),
    async (c) => c.json(await fleetObject(c.env).resumeFleet(c.var.identity.name), 200),
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/spend",
      summary: "Dollars spent on model calls in a window (this UTC month by default), by desktop, agent, schedule, identity, model, source, task or day",
      request: { query: SpendQuery },
      responses: { 200: jsonContent(SpendReport, "Spend, with the budget as it stands") },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const now = Date.now();
      const from = q.from ?? monthStart(now);
      const to = q.to ?? now + 1;
      if (to <= from) throw unprocessable("bad_window", "`to` must be after `from` (both epoch milliseconds)");
      return c.json(await fleetObject(c.env).spendReport(from, to, q.by), 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/spend/schedules/{id}",
      summary: "What each run of a schedule cost, oldest first (the last 90 days)",
      request: { params: z.object({ id: ScheduleId }) },
      responses: { 200: jsonContent(z.object({ items: z.array(ScheduleRunCost) }), "Runs with their cost") },
    }),
    async (c) => {
      const now = Date.now();
      return c.json({ items: await fleetObject(c.env).scheduleRunCosts(c.req.valid("param").id, now - 90 * 86_400_000, now + 1) }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "put",
      path: "/api/spend/budget",
      summary: "Set the fleet's daily and monthly budget at runtime (null: no limit; `reset`: back to the deployment's settings); raising a spent one lets held tasks go on",
      request: { body: jsonBody(BudgetUpdate) },
      responses: { 200: jsonContent(BudgetStatus, "The budget as it now stands") },
    }),
    async (c) => c.json(await fleetObject(c.env).setBudget(c.req.valid("json"), c.var.identity.name), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/tasks/{id}/run-anyway",
      summary: "Let one task run (and go on) while the fleet's budget is spent; the kill switch still holds it",
      request: { params: z.object({ id: TaskId }) },
      responses: { 200: jsonContent(FleetState, "The fleet's state, with the task among those that run anyway"), ...conflictResponse("The task has finished") },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const task = (await taskObject(c.env, id).snapshot()) as Task | null;
      if (!task) throw notFound("task", id);
      if (isTerminal(task.status)) throw new ApiError(409, "task_finished", `task ${id} is already ${task.status}; only a queued or running task can run anyway`);
      const fleet = fleetObject(c.env);
      await fleet.runAnyway(id, c.var.identity.name);
      return c.json(await fleet.state(), 200);
    },
  );
