import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index.ts";
import { api, createDesktop, env, eventually, type Json } from "./support/api.ts";

// Labels no desktop has: scheduled tasks stay queued (so "still running" holds) and no test host takes them.
const NOWHERE = ["sched-trigger-nowhere"];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Fires the Cron Trigger as Cloudflare would, with `at` as its scheduled time ("now" for the scheduler). */
async function fire(at: number): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function createSchedule(body: Json): Promise<Json> {
  const res = await api("POST", "/api/schedules", { body: { name: "trigger probe", prompt: "Export the report", labels: NOWHERE, ...body } });
  if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${res.text}`);
  return res.json;
}

const getSchedule = async (id: string): Promise<Json> => (await api("GET", `/api/schedules/${id}`)).json;
const runsOf = async (id: string): Promise<Json[]> => (await api("GET", `/api/tasks?scheduleId=${id}`)).json.items;

describe("the Cron Trigger", () => {
  it("starts a due schedule's run as a scheduler task carrying the slot and prompt version", async () => {
    const s = await createSchedule({ cron: "* * * * *", skipIfRunning: false, maxSteps: 12 });
    await api("PATCH", `/api/schedules/${s.id}`, { body: { prompt: "Export the report as PDF" } });
    const slot = s.nextRunAt as number;
    await fire(slot);
    const [task, ...more] = await runsOf(s.id);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      prompt: "Export the report as PDF",
      source: "scheduler",
      scheduleId: s.id,
      sourceMeta: { slot, promptVersion: 2, trigger: "cron" },
      options: { maxSteps: 12 },
      target: { desktopId: null, labels: NOWHERE },
    });
    expect(await getSchedule(s.id)).toMatchObject({ runCount: 1, lastRunAt: slot, lastTaskId: task!.id, lastStatus: "queued", nextRunAt: slot + MINUTE });
  });

  it("does not run a schedule before its slot", async () => {
    const s = await createSchedule({ cron: "* * * * *", skipIfRunning: false });
    await fire(s.nextRunAt - MINUTE);
    expect(await runsOf(s.id)).toEqual([]);
    expect((await getSchedule(s.id)).nextRunAt).toBe(s.nextRunAt);
  });

  it("makes one task when the trigger fires twice for the same minute", async () => {
    // skipIfRunning off, so only the slot claim can stop the second firing.
    const s = await createSchedule({ cron: "* * * * *", skipIfRunning: false });
    await fire(s.nextRunAt);
    await fire(s.nextRunAt);
    expect(await runsOf(s.id)).toHaveLength(1);
    expect((await getSchedule(s.id)).runCount).toBe(1);
  });

  it("makes one task per schedule when invocations overlap", async () => {
    const schedules = await Promise.all([1, 2, 3, 4, 5].map(() => createSchedule({ cron: "* * * * *", skipIfRunning: false })));
    const slot = Math.max(...schedules.map((s) => s.nextRunAt as number));
    await Promise.all([fire(slot), fire(slot), fire(slot)]);
    for (const s of schedules) {
      expect(await runsOf(s.id), s.id).toHaveLength(1);
      expect((await getSchedule(s.id)).runCount, s.id).toBe(1);
    }
  });

  it("runs once after a long outage and resumes from now, not from the missed slots", async () => {
    const cron = await createSchedule({ cron: "0 * * * *", skipIfRunning: false });
    const every15 = await createSchedule({ intervalMinutes: 15, skipIfRunning: false });
    // Back 5 h later, at least 2 minutes clear of both schedules' next slots: the second firing a minute
    // later must find nothing due. (Fixed offsets alone failed when the 15-minute grid, which starts
    // at creation time, put a slot seconds after `back`.)
    let back = Math.max(cron.nextRunAt, every15.nextRunAt) + 5 * HOUR + 7 * MINUTE;
    const clearOf = (grid: number, start: number) => (grid - ((back - start) % grid)) % grid > 2 * MINUTE;
    while (!clearOf(HOUR, cron.nextRunAt) || !clearOf(15 * MINUTE, every15.nextRunAt)) back += MINUTE;
    await fire(back);
    await fire(back + MINUTE);
    expect(await runsOf(cron.id)).toHaveLength(1);
    expect(await runsOf(every15.id)).toHaveLength(1);
    const nextCron = (await getSchedule(cron.id)).nextRunAt as number;
    expect(nextCron).toBeGreaterThan(back);
    expect(nextCron % HOUR).toBe(0);
    expect(nextCron - back).toBeLessThanOrEqual(HOUR);
    const nextInterval = (await getSchedule(every15.id)).nextRunAt as number;
    expect(nextInterval).toBeGreaterThan(back);
    expect(nextInterval - back).toBeLessThanOrEqual(15 * MINUTE);
    expect((nextInterval - every15.nextRunAt) % (15 * MINUTE)).toBe(0);
  });

  it("skips, but advances, while the previous run is still active, and runs again once it ends", async () => {
    const s = await createSchedule({ cron: "* * * * *" });
    const slot = s.nextRunAt as number;
    await fire(slot);
    const [first] = await runsOf(s.id);
    await fire(slot + MINUTE);
    expect(await runsOf(s.id)).toHaveLength(1);
    expect(await getSchedule(s.id)).toMatchObject({ runCount: 1, nextRunAt: slot + 2 * MINUTE, lastTaskId: first!.id });

    await api("POST", `/api/tasks/${first!.id}/cancel`);
    await eventually(async () => (await getSchedule(s.id)).lastStatus === "cancelled", "the first run's end recorded");
    await fire(slot + 2 * MINUTE);
    const runs = await runsOf(s.id);
    expect(runs).toHaveLength(2);
    expect(await getSchedule(s.id)).toMatchObject({ runCount: 2, lastTaskId: runs[0]!.id, lastStatus: "queued" });
  });

  it("stops after maxRuns, and only starts again when maxRuns is raised", async () => {
    const s = await createSchedule({ cron: "* * * * *", skipIfRunning: false, maxRuns: 2 });
    const slot = s.nextRunAt as number;
    await fire(slot);
    await fire(slot + MINUTE);
    await fire(slot + 2 * MINUTE);
    expect(await runsOf(s.id)).toHaveLength(2);
    expect(await getSchedule(s.id)).toMatchObject({ runCount: 2, enabled: false, nextRunAt: null });

    const refused = await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: true } });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe("max_runs_reached");
    const raised = await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: true, maxRuns: 3 } });
    expect(raised.status).toBe(200);
    expect(raised.json.enabled).toBe(true);
    expect(raised.json.nextRunAt).toBeGreaterThan(Date.now());
  });

  it("runs a one-shot schedule once, then disables it", async () => {
    const runAt = Date.now() + 2 * MINUTE;
    const s = await createSchedule({ runAt });
    expect(s.nextRunAt).toBe(runAt);
    await fire(runAt + 30_000);
    await fire(runAt + 90_000);
    const runs = await runsOf(s.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.sourceMeta).toMatchObject({ slot: runAt, trigger: "cron" });
    expect(await getSchedule(s.id)).toMatchObject({ enabled: false, nextRunAt: null, runCount: 1 });
  });

  it("refuses to re-enable a one-shot whose time has passed until it gets a new runAt", async () => {
    const s = await createSchedule({ runAt: Date.now() + HOUR, enabled: false });
    // The clock moves on past runAt (the API reads the real clock, so move runAt instead).
    await env.DB.prepare("UPDATE schedules SET run_at = ? WHERE id = ?").bind(Date.now() - MINUTE, s.id).run();
    const again = await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: true } });
    expect(again.status).toBe(422);
    expect(again.json.error).toMatchObject({ code: "run_at_in_past", message: expect.stringMatching(/give a new runAt/) });
    const runAt = Date.now() + HOUR;
    const moved = await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: true, runAt } });
    expect(moved.json).toMatchObject({ enabled: true, nextRunAt: runAt });
  });

  it("never runs a disabled schedule", async () => {
    const s = await createSchedule({ intervalMinutes: 1, enabled: false });
    await fire(Date.now() + 3 * HOUR);
    expect(await runsOf(s.id)).toEqual([]);
  });

  it("records a run whose desktop is gone as not started, says why in the audit log, and moves on", async () => {
    await createDesktop("sched-gone");
    const s = await createSchedule({ cron: "* * * * *", desktopId: "sched-gone", labels: undefined });
    expect((await api("DELETE", "/api/desktops/sched-gone")).status).toBe(200);
    await fire(s.nextRunAt);
    expect(await runsOf(s.id)).toEqual([]);
    expect(await getSchedule(s.id)).toMatchObject({ lastStatus: "not_started", runCount: 1, nextRunAt: s.nextRunAt + MINUTE });
    const entry = await env.DB.prepare("SELECT actor, details FROM audit_log WHERE target_id = ? AND action = 'schedule.run_not_started'").bind(s.id).first<{ actor: string; details: string }>();
    expect(entry?.actor).toBe("scheduler");
    expect(JSON.parse(entry!.details)).toMatchObject({ slot: s.nextRunAt, code: "unknown_desktop" });
  });
});
