import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateScheduleBody, PromptVersion, Schedule, ScheduleId, Task, UpdateScheduleBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ownOnlyOwner } from "../../domain/access/own-only.ts";
import { visibleSchedule } from "../http/visible.ts";
import { ApiError, conflict } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { createSchedule, deleteSchedule, lostRace, promptChange, triggerSchedule, updateSchedule } from "../../domain/scheduling/schedule-service.ts";
import { getPromptVersion, listPromptVersions, listSchedules, toPromptVersion, toSchedule, updateSchedule as updateScheduleRow } from "../../db/schedules.ts";
import { audit } from "../../db/audit.ts";

const ScheduleParam = z.object({ id: ScheduleId });
const VersionParam = z.object({
  id: ScheduleId,
  version: z.coerce.number().int().positive({ message: "a prompt version is a positive whole number (1, 2, …)" }),
});


export const schedules = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules",
      summary: "List schedules, newest first, with their next run and last run",
      responses: { 200: jsonContent(z.object({ items: z.array(Schedule) }), "All schedules") },
    }),
    async (c) => {
      const owner = ownOnlyOwner(c.env, c.var.identity);
      const rows = await listSchedules(c.env.DB);
      return c.json({ items: (owner ? rows.filter((r) => r.createdBy === owner) : rows).map(toSchedule) }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/schedules",
      summary: "Create a schedule: a prompt run on a cron expression, every N minutes, or once",
      request: { body: jsonBody(CreateScheduleBody) },
      responses: { 201: jsonContent(Schedule, "The new schedule") },
    }),
    async (c) => c.json(toSchedule(await createSchedule(c.env, c.req.valid("json"), c.var.identity.id)), 201),
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules/{id}",
      summary: "One schedule",
      request: { params: ScheduleParam },
      responses: { 200: jsonContent(Schedule, "The schedule") },
    }),
    async (c) => c.json(toSchedule(await visibleSchedule(c.env, c.var.identity, c.req.valid("param").id)), 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "patch",
      path: "/api/schedules/{id}",
      summary: "Change a schedule; a new prompt becomes a new prompt version (with the optional `reason`)",
      request: { params: ScheduleParam, body: jsonBody(UpdateScheduleBody) },
      responses: { 200: jsonContent(Schedule, "The updated schedule"), ...conflictResponse("Changed concurrently") },
    }),
    async (c) => {
      await visibleSchedule(c.env, c.var.identity, c.req.valid("param").id);
      return c.json(toSchedule(await updateSchedule(c.env, c.req.valid("param").id, c.req.valid("json"), c.var.identity.id)), 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "delete",
      path: "/api/schedules/{id}",
      summary: "Delete a schedule and its prompt history; tasks it started are kept",
      request: { params: ScheduleParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), id: z.string() }), "Deleted") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await visibleSchedule(c.env, c.var.identity, id);
      await deleteSchedule(c.env, id, c.var.identity.id);
      return c.json({ deleted: true as const, id }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/schedules/{id}/trigger",
      summary: "Run a schedule now, enabled or not; its next scheduled run is unchanged",
      request: { params: ScheduleParam },
      responses: { 201: jsonContent(Task, "The task that was started") },
    }),
    async (c) => {
      await visibleSchedule(c.env, c.var.identity, c.req.valid("param").id);
      return c.json(await triggerSchedule(c.env, c.req.valid("param").id, c.var.identity.id), 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules/{id}/prompt-versions",
      summary: "A schedule's prompt history, newest first, with who changed it and why",
      request: { params: ScheduleParam },
      responses: { 200: jsonContent(z.object({ items: z.array(PromptVersion) }), "Prompt versions") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await visibleSchedule(c.env, c.var.identity, id);
      const items = await listPromptVersions(c.env.DB, id);
      return c.json({ items: items.map((v) => toPromptVersion(v, row.promptVersion)) }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/schedules/{id}/prompt-versions/{version}/rollback",
      summary: "Make an earlier prompt current again, as a new version",
      request: { params: VersionParam },
      responses: { 200: jsonContent(Schedule, "The schedule with the restored prompt"), ...conflictResponse("Already current, or changed concurrently") },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      const row = await visibleSchedule(c.env, c.var.identity, id);
      const target = await getPromptVersion(c.env.DB, id, version);
      if (!target) {
        throw new ApiError(404, "not_found", `schedule \`${id}\` has no prompt version ${version}; list them with GET /api/schedules/${id}/prompt-versions`);
      }
      if (version === row.promptVersion) throw conflict("already_current", `v${version} is already the current prompt of schedule \`${id}\``);
      const now = Date.now();
      const change = promptChange(target.prompt, c.var.identity.id, `rollback to v${version}`, now);
      const updated = (await updateScheduleRow(c.env.DB, id, row.promptVersion, { updatedAt: now }, change)) ?? (await lostRace(c.env, id));
      await audit(c.env.DB, {
        actor: c.var.identity.id,
        action: "schedule.rollback",
        targetType: "schedule",
        targetId: id,
        details: { to: version, promptVersion: updated.promptVersion },
      });
      return c.json(toSchedule(updated), 200);
    },
  );
