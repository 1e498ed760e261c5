import { describe, expect, it } from "vitest";
import { api, createDesktop, createTask, env, eventually, hostToken, taskStatus } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

async function runningTask(desktopId: string) {
  await createDesktop(desktopId);
  const host = new TestHost(desktopId, await hostToken(desktopId));
  await host.connect();
  const task = await createTask({ prompt: "book the meeting room", desktopId });
  await host.next("assign");
  host.sendEvents(task.id, [
    { seq: 1, kind: "started" },
    { seq: 2, kind: "screenshot", data: { key: `tasks/${task.id}/0000000001-aaaaaaaa.png`, width: 1280, height: 800, step: 0 } },
  ]);
  await host.ackedAtLeast(task.id, 2);
  return { host, task };
}

function ask(host: TestHost, taskId: string, seq: number, requestId: string, extra: Record<string, unknown> = {}) {
  host.sendEvents(taskId, [{ seq, kind: "help_request", data: { requestId, question: "Which room, A or B?", options: ["A", "B"], ...extra } }]);
  return host.ackedAtLeast(taskId, seq);
}

describe("help requests", () => {
  it("puts the task in waiting_for_human with the question and latest screenshot, and hands the answer to the agent", async () => {
    const { host, task } = await runningTask("help-1");
    await ask(host, task.id, 3, "req-help-0001");
    expect(await taskStatus(task.id)).toBe("waiting_for_human");
    const open = await api("GET", "/api/help-requests?status=open");
    const req = open.json.items.find((h: { id: string }) => h.id === "req-help-0001");
    expect(req).toMatchObject({ taskId: task.id, question: "Which room, A or B?", options: ["A", "B"], status: "open", screenshotKey: `tasks/${task.id}/0000000001-aaaaaaaa.png` });
    const res = await api("POST", "/api/help-requests/req-help-0001/respond", { body: { answer: "B" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "answered", answer: "B", answeredVia: "api" });
    const delivered = await host.next("help_answer");
    expect(delivered).toMatchObject({ taskId: task.id, requestId: "req-help-0001", status: "answered", answer: "B" });
    expect(await taskStatus(task.id)).toBe("running");
  });

  it("lets exactly one of two simultaneous answers win; the other gets 409 naming who answered", async () => {
    const { host, task } = await runningTask("help-2");
    await ask(host, task.id, 3, "req-help-0002");
    const [a, b] = await Promise.all([
      api("POST", "/api/help-requests/req-help-0002/respond", { body: { answer: "A" } }),
      api("POST", "/api/help-requests/req-help-0002/respond", { body: { answer: "B" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    const loser = a.status === 200 ? b : a;
    expect(loser.json.error.code).toBe("already_resolved");
    expect(loser.json.error.message).toMatch(/answered by admin via api/);
    const delivered = await host.next("help_answer");
    expect(delivered.answer).toBe(winner.json.answer);
    await new Promise((r) => setTimeout(r, 200));
    expect(host.received.filter((m) => m.type === "help_answer")).toHaveLength(0);
  });

  it("times out: the agent is told to proceed and the request is marked timed out", async () => {
    const { host, task } = await runningTask("help-3");
    await ask(host, task.id, 3, "req-help-0003", { timeoutMs: 300 });
    const delivered = await host.next("help_answer", 5000);
    expect(delivered).toMatchObject({ requestId: "req-help-0003", status: "timed_out", answer: null });
    const list = await api("GET", `/api/help-requests?taskId=${task.id}`);
    expect(list.json.items[0].status).toBe("timed_out");
    expect(await taskStatus(task.id)).toBe("running");
    const late = await api("POST", "/api/help-requests/req-help-0003/respond", { body: { answer: "too late" } });
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/timed out/);
  });

  it("dismisses a request, and the agent proceeds", async () => {
    const { host, task } = await runningTask("help-4");
    await ask(host, task.id, 3, "req-help-0004");
    expect((await api("POST", "/api/help-requests/req-help-0004/dismiss")).json.status).toBe("dismissed");
    expect((await host.next("help_answer")).status).toBe("dismissed");
  });

  it("redelivers an answer given while the host was disconnected when it reconnects", async () => {
    const { host, task } = await runningTask("help-5");
    await ask(host, task.id, 3, "req-help-0005");
    host.drop();
    expect((await api("POST", "/api/help-requests/req-help-0005/respond", { body: { answer: "A" } })).status).toBe(200);
    await host.connect([task.id]);
    expect(await host.next("help_answer")).toMatchObject({ requestId: "req-help-0005", answer: "A" });
  });

  it("closes open requests when the task is cancelled", async () => {
    const { host, task } = await runningTask("help-6");
    await ask(host, task.id, 3, "req-help-0006");
    await api("POST", `/api/tasks/${task.id}/cancel`);
    const list = await eventually(async () => {
      const r = await api("GET", `/api/help-requests?taskId=${task.id}`);
      return r.json.items[0]?.status === "dismissed" ? r : undefined;
    }, "request dismissed");
    expect(list.json.items[0].answeredBy).toBe("system");
  });

  it("answers unknown ids with 404 and empty answers with 422", async () => {
    expect((await api("POST", "/api/help-requests/req-nothing-here/respond", { body: { answer: "x" } })).status).toBe(404);
    expect((await api("POST", "/api/help-requests/req-nothing-here/respond", { body: { answer: "  " } })).status).toBe(422);
    expect((await api("POST", "/api/help-requests/bad id/respond", { body: { answer: "x" } })).status).toBe(422);
  });
});

describe("a host that reconnects during a takeover", () => {
  it("is told to pause again, and after a hand-back it missed, to resume with the note", async () => {
    const { host, task } = await runningTask("takeover-rc-1");
    const stub = env.TASK.get(env.TASK.idFromName(task.id));
    host.drop();
    expect(await stub.pauseForTakeover("ada")).toBe(true);
    await host.connect([task.id]);
    expect(await host.next("pause")).toMatchObject({ taskId: task.id, reason: "takeover", by: "ada" });
    host.drop();
    expect(await stub.resumeAfterTakeover("ada", "I closed the cookie banner")).toBe(true);
    await host.connect([task.id]);
    expect(await host.next("resume")).toMatchObject({ taskId: task.id, note: "I closed the cookie banner" });
    expect(await taskStatus(task.id)).toBe("running");
  });
});
