import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateScheduleBody, PromptVersion, Schedule, ScheduleId, Task, UpdateScheduleBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, conflict, notFound, unprocessable } from "../http/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { newId } from "../http/ids.ts";
import { checkTiming, firstRun, timingColumns, timingOf, type Checked, type TimingInput } from "../scheduler/schedule-spec.ts";
import { startScheduledRun } from "../scheduler/start-run.ts";
import {
  deleteSchedule,
  getPromptVersion,
  getSchedule,
  insertSchedule,
  listPromptVersions,
  listSchedules,
  recordManualRunAt,
  toPromptVersion,
  toSchedule,
  updateSchedule,
  type PromptChange,
  type ScheduleRow,
  type SchedulePatch,
} from "../../db/schedules.ts";
import { getDesktop } from "../../db/desktops.ts";
import { audit } from "../../db/audit.ts";

const ScheduleParam = z.object({ id: ScheduleId });
const VersionParam = z.object({
  id: ScheduleId,
  version: z.coerce.number().int().positive({ message: "a prompt version is a positive whole number (1, 2, …)" }),
});

async function requireSchedule(env: Env, id: string): Promise<ScheduleRow> {
  const row = await getSchedule(env.DB, id);
  if (!row) throw notFound("schedule", id);
  return row;
}

async function requireDesktop(env: Env, desktopId: string): Promise<void> {
  if (!(await getDesktop(env.DB, desktopId))) {
    throw unprocessable("unknown_desktop", `desktop \`${desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
}

function valid<T>(r: Checked<T>): T {
  if (!r.ok) throw unprocessable(r.code, r.message);
  return r.value;
}

/** The run options kept in the `options` column; `null` in a patch removes one. */
function mergeOptions(current: Record<string, unknown>, changes: { model?: string | null; maxSteps?: number | null; budgetUsd?: number | null }) {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

function timingInputOf(row: ScheduleRow): TimingInput {
  return {
    cron: row.kind === "cron" ? row.cron : undefined,
    intervalMinutes: row.kind === "interval" && row.intervalMs !== null ? row.intervalMs / 60_000 : undefined,
    runAt: row.kind === "once" ? row.runAt : undefined,
  };
}

const promptChange = (prompt: string, author: string, reason: string | null, at: number): PromptChange => ({ id: newId("pv", at), prompt, author, reason, at });

/** The last write came from a concurrent edit (the prompt version moved under us) or a delete. */
async function lostRace(env: Env, id: string): Promise<never> {
  if (!(await getSchedule(env.DB, id))) throw notFound("schedule", id);
  throw conflict("schedule_changed", `schedule \`${id}\` was changed by someone else meanwhile; reload it and retry`);
}

export const schedules = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules",
      summary: "List schedules, newest first, with their next run and last run",
      responses: { 200: jsonContent(z.object({ items: z.array(Schedule) }), "All schedules") },
    }),
    async (c) => c.json({ items: (await listSchedules(c.env.DB)).map(toSchedule) }, 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/schedules",
      summary: "Create a schedule: a prompt run on a cron expression, every N minutes, or once",
      request: { body: jsonBody(CreateScheduleBody) },
      responses: { 201: jsonContent(Schedule, "The new schedule") },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const now = Date.now();
      const timing = valid(checkTiming(b, now));
      if (b.desktopId) await requireDesktop(c.env, b.desktopId);
      const enabled = b.enabled ?? true;
      const author = c.var.identity.id;
      const row = {
        id: newId("sch", now),
        name: b.name,
        prompt: b.prompt,
        promptVersion: 1 as const,
        startUrl: b.startUrl ?? null,
        targetDesktopId: b.desktopId ?? null,
        targetLabels: b.desktopId ? [] : (b.labels ?? []),
        ...timingColumns(timing),
        enabled,
        notify: b.notify ?? false,
        selfHealing: b.selfHealing ?? null,
        selfLearning: b.selfLearning ?? false,
        maxLearningRuns: b.maxLearningRuns ?? 5,
        maxRuns: b.maxRuns ?? null,
        skipIfRunning: b.skipIfRunning ?? true,
        options: mergeOptions({}, { model: b.model, maxSteps: b.maxSteps, budgetUsd: b.budgetUsd }),
        nextRunAt: enabled ? firstRun(timing, now) : null,
        createdBy: author,
        createdAt: now,
        updatedAt: now,
      };
      const inserted = await insertSchedule(c.env.DB, row, promptChange(b.prompt, author, b.reason ?? null, now));
      await audit(c.env.DB, { actor: author, action: "schedule.create", targetType: "schedule", targetId: row.id, details: { name: row.name, kind: row.kind } });
      return c.json(toSchedule(inserted), 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/schedules/{id}",
      summary: "One schedule",
      request: { params: ScheduleParam },
      responses: { 200: jsonContent(Schedule, "The schedule") },
    }),
    async (c) => c.json(toSchedule(await requireSchedule(c.env, c.req.valid("param").id)), 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "patch",
      path: "/api/schedules/{id}",
      summary: "Change a schedule; a new prompt becomes a new prompt version (with the optional `reason`)",
      request: { params: ScheduleParam, body: jsonBody(UpdateScheduleBody) },
      responses: { 200: jsonContent(Schedule, "The updated schedule"), 409: jsonContent(z.any(), "Changed concurrently") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const b = c.req.valid("json");
      const row = await requireSchedule(c.env, id);
      const now = Date.now();
      const patch: SchedulePatch = { updatedAt: now };
      if (b.name !== undefined) patch.name = b.name;
      if (b.notify !== undefined) patch.notify = b.notify;
      if (b.selfHealing !== undefined) patch.selfHealing = b.selfHealing;
      if (b.selfLearning !== undefined) patch.selfLearning = b.selfLearning;
      if (b.maxLearningRuns !== undefined) patch.maxLearningRuns = b.maxLearningRuns;
      if (b.maxRuns !== undefined) patch.maxRuns = b.maxRuns;
      if (b.skipIfRunning !== undefined) patch.skipIfRunning = b.skipIfRunning;
      if (b.startUrl !== undefined) patch.startUrl = b.startUrl;
      if (b.model !== undefined || b.maxSteps !== undefined || b.budgetUsd !== undefined) {
        patch.options = mergeOptions(row.options, { model: b.model, maxSteps: b.maxSteps, budgetUsd: b.budgetUsd });
      }
      if (b.labels !== undefined) Object.assign(patch, { targetLabels: b.labels, targetDesktopId: null });
      if (b.desktopId === null) patch.targetDesktopId = null;
      else if (b.desktopId !== undefined) {
        await requireDesktop(c.env, b.desktopId);
        Object.assign(patch, { targetDesktopId: b.desktopId, targetLabels: [] });
      }

      const timingGiven = b.cron !== undefined || b.intervalMinutes !== undefined || b.runAt !== undefined;
      const timingChanged = timingGiven || b.timezone !== undefined;
      const timing = timingChanged
        ? valid(checkTiming({ ...(timingGiven ? { cron: b.cron, intervalMinutes: b.intervalMinutes, runAt: b.runAt } : timingInputOf(row)), timezone: b.timezone ?? row.timezone }, now))
        : timingOf(row);
      if (timingChanged) Object.assign(patch, timingColumns(timing));

      let enabled = b.enabled ?? row.enabled;
      const maxRuns = b.maxRuns !== undefined ? b.maxRuns : row.maxRuns;
      if (enabled && maxRuns !== null && row.runCount >= maxRuns) {
        if (b.enabled === true) {
          throw unprocessable("max_runs_reached", `schedule \`${id}\` has run ${row.runCount} times and its maxRuns is ${maxRuns}; raise maxRuns (or set it to null) to enable it`);
        }
        enabled = false;
      }
      patch.enabled = enabled;
      if (!enabled) patch.nextRunAt = null;
      else if (timingChanged || !row.enabled) {
        patch.nextRunAt = firstRun(timing, now);
        if (patch.nextRunAt === null) {
          throw unprocessable("run_at_in_past", `this one-shot schedule's runAt (${new Date(row.runAt ?? 0).toISOString()}) has passed; give a new runAt to enable it`);
        }
      }

      const change = b.prompt !== undefined && b.prompt !== row.prompt ? promptChange(b.prompt, c.var.identity.id, b.reason ?? null, now) : null;
      const updated = (await updateSchedule(c.env.DB, id, row.promptVersion, patch, change)) ?? (await lostRace(c.env, id));
      await audit(c.env.DB, {
        actor: c.var.identity.id,
        action: "schedule.update",
        targetType: "schedule",
        targetId: id,
        details: { fields: Object.keys(b), promptVersion: updated.promptVersion },
      });
      return c.json(toSchedule(updated), 200);
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
      const row = await requireSchedule(c.env, id);
      if (!(await deleteSchedule(c.env.DB, id))) throw notFound("schedule", id);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "schedule.delete", targetType: "schedule", targetId: id, details: { name: row.name } });
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
      const { id } = c.req.valid("param");
      const row = await requireSchedule(c.env, id);
      const by = c.var.identity.id;
      const task = await startScheduledRun(c.env, row, { slot: null, promptVersion: row.promptVersion, trigger: "manual", by });
      await recordManualRunAt(c.env.DB, id, task.createdAt);
      await audit(c.env.DB, { actor: by, action: "schedule.trigger", targetType: "schedule", targetId: id, details: { taskId: task.id } });
      return c.json(task, 201);
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
      const row = await requireSchedule(c.env, id);
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
      responses: { 200: jsonContent(Schedule, "The schedule with the restored prompt"), 409: jsonContent(z.any(), "Already current") },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      const row = await requireSchedule(c.env, id);
      const target = await getPromptVersion(c.env.DB, id, version);
      if (!target) {
        throw new ApiError(404, "not_found", `schedule \`${id}\` has no prompt version ${version}; list them with GET /api/schedules/${id}/prompt-versions`);
      }
      if (version === row.promptVersion) throw conflict("already_current", `v${version} is already the current prompt of schedule \`${id}\``);
      const now = Date.now();
      const change = promptChange(target.prompt, c.var.identity.id, `rollback to v${version}`, now);
      const updated = (await updateSchedule(c.env.DB, id, row.promptVersion, { updatedAt: now }, change)) ?? (await lostRace(c.env, id));
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
