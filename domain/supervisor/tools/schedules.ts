import { z } from "zod";
import { CreateScheduleBody, ScheduleId, UpdateScheduleBody, type Schedule } from "@deskfleet/protocol";
import { listSchedules, toSchedule, type ScheduleRow } from "../../../db/schedules.ts";
import { createSchedule, deleteSchedule, requireSchedule, triggerSchedule, updateSchedule } from "../../scheduling/schedule-service.ts";
import { cut } from "../conversation-window.ts";
import { taskView } from "./tasks.ts";
import { iso, json, tool, type ToolContext, type WriteEffect } from "./tool.ts";

function scheduleView(row: ScheduleRow) {
  const s: Schedule = toSchedule(row);
  return {
    ...s,
    prompt: cut(s.prompt, 2_000),
    runAt: iso(s.runAt),
    nextRunAt: iso(s.nextRunAt),
    lastRunAt: iso(s.lastRunAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

const Id = z.strictObject({ scheduleId: ScheduleId });

const SCHEDULES = { class: "schedules" } as const;

/** A change of a schedule's prompt is shown as a diff with its proposal. */
async function promptDiff(ctx: ToolContext, { scheduleId, changes }: { scheduleId: string; changes: UpdateScheduleBody }): Promise<WriteEffect> {
  if (changes.prompt === undefined) return SCHEDULES;
  const current = await requireSchedule(ctx.env, scheduleId);
  return { ...SCHEDULES, diff: { before: current.prompt, after: changes.prompt } };
}

export const scheduleTools = [
  tool({
    name: "list_schedules",
    description: "List every schedule with its timing, target, next and last run.",
    input: z.strictObject({}),
    effect: "read",
    run: async (ctx) => json({ schedules: (await listSchedules(ctx.env.DB)).map(scheduleView) }),
  }),
  tool({
    name: "create_schedule",
    description:
      "Create a recurring or one-off task. Give exactly one of: `cron` (5 fields, in `timezone`, e.g. \"0 9 * * 1-5\" for weekdays at 9:00), `intervalMinutes`, or `runAt` (epoch ms). `timezone` is an IANA zone such as \"Europe/Berlin\" (default UTC). Target a desktop (desktopId) or labels. The prompt is what the computer-use agent does on each run; make it self-contained.",
    input: CreateScheduleBody,
    effect: SCHEDULES,
    run: async (ctx, b) => json({ created: scheduleView(await createSchedule(ctx.env, b, ctx.actor)) }),
  }),
  tool({
    name: "update_schedule",
    description: "Change a schedule: any of the fields of create_schedule in `changes` (null clears an optional one). A new prompt becomes a new prompt version; give `reason`.",
    input: z.strictObject({ scheduleId: ScheduleId, changes: UpdateScheduleBody }),
    effect: promptDiff,
    run: async (ctx, { scheduleId, changes }) => json({ updated: scheduleView(await updateSchedule(ctx.env, scheduleId, changes, ctx.actor)) }),
  }),
  tool({
    name: "toggle_schedule",
    description: "Enable or disable a schedule.",
    input: z.strictObject({ scheduleId: ScheduleId, enabled: z.boolean() }),
    effect: SCHEDULES,
    run: async (ctx, { scheduleId, enabled }) => json({ updated: scheduleView(await updateSchedule(ctx.env, scheduleId, { enabled }, ctx.actor)) }),
  }),
  tool({
    name: "delete_schedule",
    description: "Delete a schedule and its prompt history (tasks it started are kept). Confirm with the person first.",
    input: Id,
    effect: SCHEDULES,
    run: async (ctx, { scheduleId }) => {
      await deleteSchedule(ctx.env, scheduleId, ctx.actor);
      return json({ deleted: scheduleId });
    },
  }),
  tool({
    name: "trigger_schedule",
    description: "Run a schedule now (enabled or not); its next scheduled run is unchanged. Returns the started task.",
    input: Id,
    effect: SCHEDULES,
    run: async (ctx, { scheduleId }) => {
      await requireSchedule(ctx.env, scheduleId);
      return json({ started: taskView(await triggerSchedule(ctx.env, scheduleId, ctx.actor)) });
    },
  }),
];
