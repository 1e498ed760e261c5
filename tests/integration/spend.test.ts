import { describe, expect, it } from "vitest";
import { api, apiToken, createDesktop, createTask, eventually, hostToken, taskStatus } from "./support/api.ts";
import { TestHost, type TestHostEvent } from "./support/test-host.ts";

/** A usage event exactly as the host's loop emits it for one model call. */
const usage = (seq: number, step: number, costUsd: number): TestHostEvent => ({
  seq, kind: "usage", data: { step, model: "claude-sonnet-4-5", inputTokens: 1_000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd },
});

async function spendOfTask(taskId: string): Promise<{ costUsd: number; calls: number } | undefined> {
  const res = await api("GET", "/api/spend?by=task&from=0");
  expect(res.status).toBe(200);
  return (res.json.rows as { key: string; costUsd: number; calls: number }[]).find((r) => r.key === taskId);
}

describe("spend", () => {
  it("counts a model call once when the host resends its events after a reconnect", async () => {
    await createDesktop("spend-once-1");
    const host = new TestHost("spend-once-1", await hostToken("spend-once-1"));
    await host.connect();
    const task = await createTask({ prompt: "spend a little", desktopId: "spend-once-1" });
    await host.next("assign");
    const batch = [{ seq: 1, kind: "started", data: { resume: false } } as TestHostEvent, usage(2, 1, 0.01), usage(3, 2, 0.02)];
    host.sendEvents(task.id, batch);
    await host.ackedAtLeast(task.id, 3);
    // The ack is lost with the connection: the host resends all three, as deskfleet-host's outbox does.
    host.drop();
    await host.connect([task.id]);
    host.sendEvents(task.id, batch);
    host.sendEvents(task.id, [usage(4, 3, 0.04)]);
    await host.ackedAtLeast(task.id, 4);
    const spent = await eventually(async () => {
      const s = await spendOfTask(task.id);
      return s && s.calls === 3 ? s : undefined;
    }, "three calls counted");
    expect(spent.costUsd).toBeCloseTo(0.07, 10);
    host.drop();
  });

  it("lets only an admin set the budget or pause the fleet, and refuses a bad budget with what to send", async () => {
    const operator = await apiToken("operator");
    expect((await api("PUT", "/api/spend/budget", { token: operator, body: { dailyUsd: 5 } })).status).toBe(403);
    expect((await api("POST", "/api/fleet/pause", { token: operator, body: {} })).status).toBe(403);
    const bad = await api("PUT", "/api/spend/budget", { body: { dailyUsd: -1 } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBeTruthy();
    const viewer = await apiToken("viewer");
    const state = await api("GET", "/api/fleet", { token: viewer });
    expect(state.status).toBe(200);
    expect(state.json.paused).toBeNull();
  });

  it("holds new tasks while the fleet is paused, says why, and dispatches them on resume", async () => {
    await createDesktop("spend-pause-1");
    const host = new TestHost("spend-pause-1", await hostToken("spend-pause-1"));
    await host.connect();
    const paused = await api("POST", "/api/fleet/pause", { body: { running: "pause" } });
    expect(paused.status).toBe(200);
    expect(paused.json.paused).toMatchObject({ running: "pause" });
    const task = await createTask({ prompt: "wait for the switch", desktopId: "spend-pause-1" });
    const waiting = await eventually(async () => {
      const t = await api("GET", `/api/tasks/${task.id}`);
      return t.json.waitingReason ? (t.json.waitingReason as string) : undefined;
    }, "a waiting reason");
    expect(waiting).toContain("the fleet is paused");
    expect(await taskStatus(task.id)).toBe("queued");
    expect((await api("POST", "/api/fleet/resume")).json.paused).toBeNull();
    expect((await host.next("assign")).task.id).toBe(task.id);
    host.drop();
  });

  it("answers run-anyway for a task that does not exist with 404", async () => {
    const res = await api("POST", "/api/tasks/tsk_0000000000nope/run-anyway");
    expect(res.status).toBe(404);
  });
});
