import { describe, expect, it } from "vitest";
import { api, apiToken, createDesktop, env, eventually, type Json } from "./support/api.ts";

// Labels no desktop has: scheduled tasks stay queued, away from other tests' hosts.
const NOWHERE = ["sched-api-nowhere"];

async function createSchedule(body: Json, token?: string): Promise<Json> {
  const res = await api("POST", "/api/schedules", { body: { name: "probe", prompt: "Check the dashboard", labels: NOWHERE, ...body }, token });
  if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${res.text}`);
  return res.json;
}

async function counts() {
  const q = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { schedules: await q("schedules"), versions: await q("prompt_versions"), tasks: await q("tasks"), audit: await q("audit_log") };
}

const berlinClock = (ms: number) =>
  new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(ms));

describe("schedules API", () => {
  it("creates a schedule with its next run in its time zone, prompt version 1 by the caller, and an audit entry", async () => {
    const operator = await apiToken("operator");
    const before = Date.now();
    const s = await createSchedule({ name: "morning report", cron: "0 9 * * 1-5", timezone: "europe/berlin", reason: "first draft" }, operator);
    expect(s).toMatchObject({ name: "morning report", kind: "cron", cron: "0 9 * * 1-5", timezone: "Europe/Berlin", enabled: true, promptVersion: 1, skipIfRunning: true, runCount: 0, lastStatus: null });
    expect(s.id).toMatch(/^sch_/);
    expect(s.nextRunAt).toBeGreaterThan(before);
    expect(berlinClock(s.nextRunAt)).toBe("09:00");
    expect([0, 6]).not.toContain(new Date(s.nextRunAt).getUTCDay());
    expect(s.createdBy).toMatch(/^token:/);

    const versions = (await api("GET", `/api/schedules/${s.id}/prompt-versions`)).json.items;
    expect(versions).toEqual([{ version: 1, prompt: "Check the dashboard", author: s.createdBy, reason: "first draft", current: true, createdAt: s.createdAt }]);
    const entry = await env.DB.prepare("SELECT actor, action FROM audit_log WHERE target_id = ?").bind(s.id).first();
    expect(entry).toEqual({ actor: s.createdBy, action: "schedule.create" });
  });

  it("keeps self-learning off by default, reads the old true as propose, and takes auto and propose", async () => {
    expect((await createSchedule({ cron: "0 9 * * *" })).selfLearning).toBe("off");
    const legacy = await createSchedule({ cron: "0 9 * * *", selfLearning: true });
    expect(legacy.selfLearning).toBe("propose");
    const auto = await createSchedule({ cron: "0 9 * * *", selfLearning: "auto" });
    expect(auto.selfLearning).toBe("auto");
    expect((await api("PATCH", `/api/schedules/${auto.id}`, { body: { selfLearning: false } })).json.selfLearning).toBe("off");
    expect((await api("PATCH", `/api/schedules/${auto.id}`, { body: { selfLearning: "propose" } })).json.selfLearning).toBe("propose");
    const bad = await api("PATCH", `/api/schedules/${legacy.id}`, { body: { selfLearning: "sometimes" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toContain('selfLearning is "off", "propose"');
    expect((await api("GET", `/api/schedules/${legacy.id}`)).json.selfLearning).toBe("propose");
  });

  it("lets a viewer list and read schedules but not create, change, trigger or delete them", async () => {
    const viewer = await apiToken("viewer");
    const s = await createSchedule({ intervalMinutes: 30 });
    const list = await api("GET", "/api/schedules", { token: viewer });
    expect(list.status).toBe(200);
    expect(list.json.items.map((x: Json) => x.id)).toContain(s.id);
    expect((await api("GET", `/api/schedules/${s.id}`, { token: viewer })).json).toEqual(s);
    expect((await api("POST", "/api/schedules", { token: viewer, body: { name: "x", prompt: "y", intervalMinutes: 5 } })).status).toBe(403);
    expect((await api("PATCH", `/api/schedules/${s.id}`, { token: viewer, body: { name: "renamed" } })).status).toBe(403);
    expect((await api("POST", `/api/schedules/${s.id}/trigger`, { token: viewer })).status).toBe(403);
    expect((await api("DELETE", `/api/schedules/${s.id}`, { token: viewer })).status).toBe(403);
    expect((await api("GET", `/api/schedules/${s.id}`)).json.name).toBe("probe");
  });

  it("makes a prompt change a new version with its author and reason, and leaves other edits at the same version", async () => {
    const s = await createSchedule({ intervalMinutes: 60 });
    const changed = await api("PATCH", `/api/schedules/${s.id}`, { body: { prompt: "Check the dashboard and export the CSV", reason: "the team needs the export" } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ prompt: "Check the dashboard and export the CSV", promptVersion: 2 });
    const renamed = await api("PATCH", `/api/schedules/${s.id}`, { body: { name: "export", prompt: "Check the dashboard and export the CSV" } });
    expect(renamed.json).toMatchObject({ name: "export", promptVersion: 2 });

    const versions = (await api("GET", `/api/schedules/${s.id}/prompt-versions`)).json.items as Json[];
    expect(versions.map((v) => [v.version, v.current, v.reason])).toEqual([
      [2, true, "the team needs the export"],
      [1, false, null],
    ]);
    expect(versions[0]!.author).toBe("admin");
  });

  it("rolls back to an earlier prompt as a new version, and refuses a rollback to the current or a missing one", async () => {
    const operator = await apiToken("operator");
    const s = await createSchedule({ intervalMinutes: 60, prompt: "v1 prompt" });
    await api("PATCH", `/api/schedules/${s.id}`, { body: { prompt: "v2 prompt" } });
    const rolled = await api("POST", `/api/schedules/${s.id}/prompt-versions/1/rollback`, { token: operator });
    expect(rolled.status).toBe(200);
    expect(rolled.json).toMatchObject({ prompt: "v1 prompt", promptVersion: 3 });
    const [latest] = (await api("GET", `/api/schedules/${s.id}/prompt-versions`)).json.items as Json[];
    expect(latest).toMatchObject({ version: 3, prompt: "v1 prompt", reason: "rollback to v1", current: true });
    expect(latest!.author).toMatch(/^token:/);

    const current = await api("POST", `/api/schedules/${s.id}/prompt-versions/3/rollback`);
    expect(current.status).toBe(409);
    expect(current.json.error.code).toBe("already_current");
    const missing = await api("POST", `/api/schedules/${s.id}/prompt-versions/9/rollback`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toMatch(/no prompt version 9/);
    expect((await api("GET", `/api/schedules/${s.id}`)).json.promptVersion).toBe(3);
  });

  it("recomputes the next run when the timing changes, clears it when disabled, and sets it again when re-enabled", async () => {
    const s = await createSchedule({ cron: "0 3 1 1 *" });
    const before = Date.now();
    const toInterval = (await api("PATCH", `/api/schedules/${s.id}`, { body: { intervalMinutes: 10 } })).json;
    expect(toInterval).toMatchObject({ kind: "interval", intervalMinutes: 10, cron: null });
    expect(toInterval.nextRunAt).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(toInterval.nextRunAt).toBeLessThanOrEqual(Date.now() + 10 * 60_000);

    const disabled = (await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: false } })).json;
    expect(disabled).toMatchObject({ enabled: false, nextRunAt: null });
    const enabled = (await api("PATCH", `/api/schedules/${s.id}`, { body: { enabled: true } })).json;
    expect(enabled.enabled).toBe(true);
    expect(enabled.nextRunAt).toBeGreaterThan(Date.now());

    const runAt = Date.now() + 3_600_000;
    const once = (await api("PATCH", `/api/schedules/${s.id}`, { body: { runAt } })).json;
    expect(once).toMatchObject({ kind: "once", runAt, nextRunAt: runAt, intervalMinutes: null });
  });

  it("runs a disabled schedule on demand, with the schedule's prompt and options, without touching its next run", async () => {
    const s = await createSchedule({ cron: "@daily", enabled: false, startUrl: "https://example.com/report", model: "claude-sonnet-4-5", maxSteps: 40, notify: true });
    expect(s.nextRunAt).toBeNull();
    const res = await api("POST", `/api/schedules/${s.id}/trigger`);
    expect(res.status).toBe(201);
    const task = res.json;
    expect(task).toMatchObject({
      prompt: "Check the dashboard",
      status: "queued",
      source: "scheduler",
      scheduleId: s.id,
      sourceMeta: { slot: null, promptVersion: 1, trigger: "manual", by: "admin" },
      target: { desktopId: null, labels: NOWHERE },
      options: { startUrl: "https://example.com/report", model: "claude-sonnet-4-5", maxSteps: 40, notify: true },
    });
    const after = (await api("GET", `/api/schedules/${s.id}`)).json;
    expect(after).toMatchObject({ enabled: false, nextRunAt: null, runCount: 0, lastTaskId: task.id, lastStatus: "queued", lastRunAt: task.createdAt });
    expect((await api("GET", `/api/tasks?scheduleId=${s.id}`)).json.items.map((t: Json) => t.id)).toEqual([task.id]);
  });

  it("shows how the last run ended once its task finishes", async () => {
    const s = await createSchedule({ intervalMinutes: 60 });
    const task = (await api("POST", `/api/schedules/${s.id}/trigger`)).json;
    expect((await api("POST", `/api/tasks/${task.id}/cancel`, { body: { reason: "not today" } })).status).toBe(200);
    const after = await eventually(async () => {
      const got = (await api("GET", `/api/schedules/${s.id}`)).json;
      return got.lastStatus === "cancelled" ? got : undefined;
    }, "lastStatus cancelled");
    expect(after.lastTaskId).toBe(task.id);
  });

  it("deletes a schedule and its prompt history, and keeps the tasks it started", async () => {
    const s = await createSchedule({ intervalMinutes: 60 });
    const task = (await api("POST", `/api/schedules/${s.id}/trigger`)).json;
    const del = await api("DELETE", `/api/schedules/${s.id}`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ deleted: true, id: s.id });
    expect((await api("GET", `/api/schedules/${s.id}`)).status).toBe(404);
    expect((await api("GET", `/api/schedules/${s.id}/prompt-versions`)).status).toBe(404);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM prompt_versions WHERE schedule_id = ?").bind(s.id).first<{ n: number }>())!.n).toBe(0);
    expect((await api("GET", `/api/tasks/${task.id}`)).json.scheduleId).toBe(s.id);
    expect((await api("DELETE", `/api/schedules/${s.id}`)).status).toBe(404);
  });

  it("answers an unknown schedule with 404 and a malformed id with 422", async () => {
    const unknown = await api("GET", "/api/schedules/sch_0000000000aaaaaaaaaa");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/schedule `sch_0000000000aaaaaaaaaa` does not exist/);
    expect((await api("POST", "/api/schedules/sch_0000000000aaaaaaaaaa/trigger")).status).toBe(404);
    expect((await api("GET", "/api/schedules/not-an-id")).status).toBe(422);
    expect((await api("POST", "/api/schedules/sch_0000000000aaaaaaaaaa/prompt-versions/zero/rollback")).status).toBe(422);
  });
});

describe("invalid schedules get a 422 saying what is wrong, and change nothing", () => {
  const CASES: { body: Json; code: string; message: RegExp }[] = [
    { body: { cron: "61 * * * *" }, code: "invalid_cron", message: /minute field `61`/ },
    { body: { cron: "0 9 * 13 *" }, code: "invalid_cron", message: /month field `13`/ },
    { body: { cron: "0 9 * * * *" }, code: "invalid_cron", message: /6 fields; it needs 5/ },
    { body: { cron: "0 0 30 2 *" }, code: "invalid_cron", message: /never matches/ },
    { body: { cron: "@reboot" }, code: "invalid_cron", message: /not supported/ },
    { body: { cron: "0 9 * * *", timezone: "Mars/Olympus_Mons" }, code: "unknown_timezone", message: /`Mars\/Olympus_Mons` is not an IANA time zone/ },
    { body: { cron: "0 9 * * *", timezone: "+02:00" }, code: "unknown_timezone", message: /not an IANA time zone/ },
    { body: { intervalMinutes: 0 }, code: "invalid_input", message: /intervalMinutes must be at least 1/ },
    { body: { intervalMinutes: 0.5 }, code: "invalid_input", message: /intervalMinutes must be a whole number/ },
    { body: { runAt: Date.now() - 60_000 }, code: "run_at_in_past", message: /not in the future/ },
    { body: { cron: "* * * * *", intervalMinutes: 5 }, code: "invalid_input", message: /exactly one of cron, intervalMinutes or runAt/ },
    { body: {}, code: "invalid_input", message: /exactly one of cron, intervalMinutes or runAt/ },
    { body: { intervalMinutes: 5, desktopId: "some-desktop", labels: ["x"] }, code: "invalid_input", message: /either desktopId or labels/ },
    { body: { intervalMinutes: 5, desktopId: "ghost-desktop", labels: undefined }, code: "unknown_desktop", message: /GET \/api\/desktops/ },
    { body: { intervalMinutes: 5, everyOtherTuesday: true }, code: "invalid_input", message: /everyOtherTuesday/ },
    { body: { intervalMinutes: 5, name: "" }, code: "invalid_input", message: /name must not be empty/ },
    { body: { intervalMinutes: 5, startUrl: "javascript:alert(1)" }, code: "invalid_input", message: /startUrl/ },
  ];

  it("on create", async () => {
    const before = await counts();
    for (const c of CASES) {
      const res = await api("POST", "/api/schedules", { body: { name: "bad", prompt: "p", labels: NOWHERE, ...c.body } });
      expect(res.status, JSON.stringify(c.body)).toBe(422);
      expect(res.json.error.code, JSON.stringify(c.body)).toBe(c.code);
      expect(res.json.error.message, JSON.stringify(c.body)).toMatch(c.message);
    }
    expect(await counts()).toEqual(before);
  });

  it("on change, leaving the schedule as it was", async () => {
    await createDesktop("sched-api-desk");
    const s = await createSchedule({ cron: "0 9 * * *", desktopId: "sched-api-desk", labels: undefined });
    const before = await counts();
    const patches: { body: Json; code: string }[] = [
      { body: { cron: "0 24 * * *" }, code: "invalid_cron" },
      { body: { timezone: "Europe/Nowhere" }, code: "unknown_timezone" },
      { body: { intervalMinutes: 0 }, code: "invalid_input" },
      { body: { runAt: 1000 }, code: "run_at_in_past" },
      { body: { cron: "* * * * *", runAt: Date.now() + 60_000 }, code: "invalid_input" },
      { body: { desktopId: "ghost-desktop" }, code: "unknown_desktop" },
      { body: { prompt: "" }, code: "invalid_input" },
      { body: {}, code: "invalid_input" },
      { body: { reason: "only a reason" }, code: "invalid_input" },
    ];
    for (const p of patches) {
      const res = await api("PATCH", `/api/schedules/${s.id}`, { body: p.body });
      expect(res.status, JSON.stringify(p.body)).toBe(422);
      expect(res.json.error.code, JSON.stringify(p.body)).toBe(p.code);
    }
    expect((await api("GET", `/api/schedules/${s.id}`)).json).toEqual(s);
    expect(await counts()).toEqual(before);
  });
});
