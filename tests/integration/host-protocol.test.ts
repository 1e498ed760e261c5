import { describe, expect, it } from "vitest";
import { CloseCode, HOST_PROTOCOL_VERSION, HOST_RELEASE, MIN_HOST_RELEASE, type TaskEvent, type TaskFeedMessage } from "@deskfleet/protocol";
import { api, createDesktop, createTask, env, eventually, hostToken, taskFeed, taskStatus } from "./support/api.ts";
import { TestHost, type TestHostEvent } from "./support/test-host.ts";

async function newHost(id: string, labels: string[] = []) {
  await createDesktop(id, { labels });
  return new TestHost(id, await hostToken(id));
}

async function d1EventCount(taskId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM task_events WHERE task_id = ? AND source = 'host'").bind(taskId).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("host protocol", () => {
  it("delivers a task to a connected host and stores 1,000 events exactly once, in order, across a dropped connection", async () => {
    const host = await newHost("stream-1");
    await host.connect();
    const task = await createTask({ prompt: "stream a thousand events", desktopId: "stream-1" });
    const assign = await host.next("assign");
    expect(assign.task.id).toBe(task.id);
    expect(assign.task.nextSeq).toBe(1);

    // The host keeps every event until it is acked, exactly as deskfleet-host does.
    const unacked = new Map<number, TestHostEvent>();
    const emit = (seq: number) => {
      const e: TestHostEvent =
        seq === 1 ? { seq, kind: "started" } : seq === 1000 ? { seq, kind: "completed", data: { result: "done" } } : { seq, kind: "assistant_text", data: { text: `step ${seq}`, step: seq } };
      unacked.set(seq, e);
      return e;
    };
    for (let seq = 1; seq <= 600; seq += 50) host.sendEvents(task.id, Array.from({ length: 50 }, (_, i) => emit(seq + i)));
    // Cut the connection with acks outstanding, then reconnect and resend everything unacked.
    const ackedBeforeDrop = Math.max(0, ...host.received.filter((m) => m.type === "ack").map((m) => (m as { seq: number }).seq));
    host.drop();
    for (const seq of [...unacked.keys()]) if (seq <= ackedBeforeDrop) unacked.delete(seq);
    for (let seq = 601; seq <= 1000; seq++) emit(seq);

    await host.connect([task.id]);
    const pending = [...unacked.values()].sort((a, b) => a.seq - b.seq);
    // Resend everything not acked before the drop, including ones the server did store (duplicates).
    for (let i = 0; i < pending.length; i += 100) host.sendEvents(task.id, pending.slice(i, i + 100));
    await host.ackedAtLeast(task.id, 1000);

    await eventually(async () => (await d1EventCount(task.id)) === 1000, "1,000 events in D1");
    const rows = await env.DB.prepare("SELECT seq, host_seq FROM task_events WHERE task_id = ? AND source = 'host' ORDER BY seq").bind(task.id).all<{ seq: number; host_seq: number }>();
    expect(rows.results.map((r) => r.host_seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const seqs = rows.results.map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(1000);
    await eventually(async () => (await taskStatus(task.id)) === "completed", "task completed");
    const final = await api("GET", `/api/tasks/${task.id}`);
    expect(final.json.result).toBe("done");
  });

  it("keeps the second task of one desktop queued until the first finishes, then assigns it", async () => {
    const host = await newHost("serial-1");
    await host.connect();
    const first = await createTask({ prompt: "first", desktopId: "serial-1" });
    const second = await createTask({ prompt: "second", desktopId: "serial-1" });
    expect((await host.next("assign")).task.id).toBe(first.id);
    expect(await taskStatus(second.id)).toBe("queued");
    host.sendEvents(first.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(first.id, 1);
    expect(await taskStatus(second.id)).toBe("queued");
    host.sendEvents(first.id, [{ seq: 2, kind: "completed", data: { result: "ok" } }]);
    expect((await host.next("assign")).task.id).toBe(second.id);
    expect(await taskStatus(first.id)).toBe("completed");
    expect(await taskStatus(second.id)).toBe("assigned");
  });

  it("holds a task for a disconnected desktop and assigns it when its host connects", async () => {
    const host = await newHost("late-1");
    const task = await createTask({ prompt: "wait for me", desktopId: "late-1" });
    expect(await taskStatus(task.id)).toBe("queued");
    await host.connect();
    expect((await host.next("assign")).task.id).toBe(task.id);
  });

  it("gives a labelled task to a desktop with all its labels", async () => {
    const plain = await newHost("plain-1", ["linux"]);
    const chrome = await newHost("chrome-1", ["linux", "chrome"]);
    await plain.connect();
    await chrome.connect();
    const task = await createTask({ prompt: "needs chrome", labels: ["chrome"] });
    expect((await chrome.next("assign")).task.id).toBe(task.id);
    expect(plain.received.some((m) => m.type === "assign")).toBe(false);
  });

  it("marks a host that vanishes without closing offline after the heartbeat timeout and fails its task with host_lost", async () => {
    const host = await newHost("vanish-1");
    await host.connect();
    const task = await createTask({ prompt: "long job", desktopId: "vanish-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);
    // The host stops sending heartbeats but never closes its socket (HEARTBEAT_TIMEOUT_MS is 1.5 s in tests).
    await eventually(async () => (await taskStatus(task.id)) === "failed", "task failed", 10_000);
    const t = await api("GET", `/api/tasks/${task.id}`);
    expect(t.json.error.code).toBe("host_lost");
    const d = await api("GET", "/api/desktops/vanish-1");
    expect(d.json.presence).toBe("offline");
    const closed = await host.waitClosed();
    expect(closed.code).toBe(CloseCode.heartbeatTimeout);
  });

  it("keeps a host that sends heartbeats online past the timeout", async () => {
    const host = await newHost("alive-1");
    await host.connect();
    const task = await createTask({ prompt: "long job", desktopId: "alive-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    // 2.4 s of heartbeats: past the 1.5 s heartbeat timeout, within the 3 s task inactivity timeout.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 400));
      host.heartbeat();
    }
    expect(await taskStatus(task.id)).toBe("running");
    expect((await api("GET", "/api/desktops/alive-1")).json.presence).toBe("busy");
  });

  it("refuses a bad host token with close code 4401 and a reason that says what to do", async () => {
    await createDesktop("badtoken-1");
    const host = new TestHost("badtoken-1", "dfh_not-a-real-token");
    await host.open();
    const closed = await host.waitClosed();
    expect(closed.code).toBe(CloseCode.badToken);
    expect(closed.reason).toMatch(/host-token/);
  });

  it("refuses an unsupported protocol version with close code 4400", async () => {
    const host = await newHost("oldhost-1");
    await host.connect([], 999);
    const closed = await host.waitClosed();
    expect(closed.code).toBe(CloseCode.badVersion);
    expect(closed.reason).toMatch(/server speaks 1/);
  });

  it("closes a host older than the oldest accepted release with 4400 and a reason that says how to upgrade", async () => {
    const host = await newHost("oldrelease-1");
    await host.connect([], HOST_PROTOCOL_VERSION, { hostVersion: "0.0.1" });
    const closed = await host.waitClosed();
    expect(closed).toEqual({ code: CloseCode.badVersion, reason: `deskfleet-host 0.0.1 is older than ${MIN_HOST_RELEASE}, the oldest accepted: run \`deskfleet-host upgrade\`` });
    expect((await api("GET", "/api/desktops/oldrelease-1")).json.presence).toBe("offline");
  });

  it("names the host release it serves in the welcome, so an older host can say that an upgrade is waiting", async () => {
    const host = await newHost("release-1");
    expect(await host.connect([], HOST_PROTOCOL_VERSION, { hostVersion: HOST_RELEASE })).toMatchObject({ type: "welcome", desktopId: "release-1", hostRelease: HOST_RELEASE });
  });

  it("refuses a host token used for another desktop with close code 4403", async () => {
    await createDesktop("owner-1");
    const token = await hostToken("owner-1");
    const host = new TestHost("someone-else", token);
    await host.open();
    expect((await host.waitClosed()).code).toBe(CloseCode.wrongDesktop);
  });

  it("answers a frame that is not a host message with an error naming the problem, and keeps the connection", async () => {
    const host = await newHost("garbled-1");
    await host.connect();
    host.ws!.send("{not json");
    expect(await host.next("error")).toEqual({ type: "error", code: "bad_json", message: "messages must be JSON text" });
    host.send({ type: "events", taskId: "nope", events: [{ seq: 1, kind: "started", at: 1 }] });
    const bad = await host.next("error");
    expect(bad.code).toBe("bad_message");
    expect(bad.message).toMatch(/^invalid message: taskId: /);
    host.send({ type: "welcome", desktopId: "garbled-1", heartbeatIntervalMs: 1, serverTime: 1 });
    expect((await host.next("error")).code).toBe("bad_message");
    const task = await createTask({ prompt: "still served", desktopId: "garbled-1" });
    expect((await host.next("assign")).task.id).toBe(task.id);
  });

  it("closes a host that speaks before its hello with 1008", async () => {
    await createDesktop("rude-1");
    const host = new TestHost("rude-1", await hostToken("rude-1"));
    await host.open();
    host.heartbeat();
    const closed = await host.waitClosed();
    expect(closed).toEqual({ code: CloseCode.policy, reason: "send hello first" });
  });

  it("cancels a running task on the host and frees the desktop", async () => {
    const host = await newHost("cancel-1");
    await host.connect();
    const task = await createTask({ prompt: "to be cancelled", desktopId: "cancel-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);
    const res = await api("POST", `/api/tasks/${task.id}/cancel`, { body: { reason: "changed my mind" } });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("cancelled");
    const cancel = await host.next("cancel");
    expect(cancel.taskId).toBe(task.id);
    expect((await api("POST", `/api/tasks/${task.id}/cancel`)).status).toBe(409);
    const next = await createTask({ prompt: "after cancel", desktopId: "cancel-1" });
    expect((await host.next("assign")).task.id).toBe(next.id);
  });

  it("fails a task with no events for the inactivity timeout", { timeout: 15_000 }, async () => {
    const host = await newHost("idle-1");
    await host.connect();
    const task = await createTask({ prompt: "never reports", desktopId: "idle-1" });
    await host.next("assign");
    const keepAlive = setInterval(() => host.heartbeat(), 300);
    try {
      await eventually(async () => (await taskStatus(task.id)) === "failed", "inactive failure", 10_000);
    } finally {
      clearInterval(keepAlive);
    }
    expect((await api("GET", `/api/tasks/${task.id}`)).json.error.code).toBe("inactive");
    expect((await host.next("cancel")).taskId).toBe(task.id);
  });

  it("streams a task's events to a watcher: replay from `after`, then live", async () => {
    const host = await newHost("watch-1");
    await host.connect();
    const task = await createTask({ prompt: "watch me", desktopId: "watch-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "assistant_text", data: { text: "hello", step: 1 } }]);
    await host.ackedAtLeast(task.id, 2);
    const feed = await taskFeed(task.id);
    const seen: any[] = feed.messages;
    await eventually(async () => seen.some((m) => m.type === "replayed"), "replay");
    host.sendEvents(task.id, [{ seq: 3, kind: "assistant_text", data: { text: "live one", step: 2 } }]);
    await eventually(async () => seen.some((m) => m.type === "event" && m.event.data.text === "live one"), "live event");
    const texts = seen.filter((m) => m.type === "event" && m.event.kind === "assistant_text").map((m) => m.event.data.text);
    expect(texts).toEqual(["hello", "live one"]);
    feed.close();
  });

  it("puts the task on its feed as TaskDO holds it: first, with every status change, and after steps that change it", async () => {
    const host = await newHost("watch-2");
    await host.connect();
    const task = await createTask({ prompt: "feed me the task", desktopId: "watch-2" });
    await host.next("assign");
    const feed = await taskFeed(task.id);
    const seen = feed.messages;
    await eventually(async () => seen.some((m) => m.type === "replayed"), "replay");
    expect(seen[0]).toMatchObject({ type: "task", task: { id: task.id, status: "assigned", desktopId: "watch-2" } });
    host.sendEvents(task.id, [
      { seq: 1, kind: "started" },
      { seq: 2, kind: "action", data: { name: "left_click", input: { coordinate: [4, 5] }, step: 1 } },
      { seq: 3, kind: "completed", data: { result: "clicked" } },
    ]);
    await eventually(async () => seen.some((m) => m.type === "event" && m.event.kind === "status" && m.event.data.status === "completed"), "completed");
    const statuses = seen.flatMap((m) => (m.type === "event" && m.event.kind === "status" ? [[m.event.data.status, m.task?.status, m.task?.steps]] : []));
    // Replayed status events carry no task (it is sent first); live ones carry the task after the change.
    expect(statuses.slice(-1)).toEqual([["completed", "completed", 1]]);
    const last = seen.findLast((m) => m.type === "event" && m.event.kind === "status");
    expect(last?.type === "event" && last.task).toMatchObject({ status: "completed", result: "clicked", steps: 1 });
    feed.close();
  });

  it("refuses an event whose data breaks its schema: a warning takes its place, the ack names it, and later events still land", async () => {
    const host = await newHost("refuse-1");
    await host.connect();
    const task = await createTask({ prompt: "send a bad event", desktopId: "refuse-1" });
    await host.next("assign");
    host.sendRawEvents(task.id, [
      { seq: 1, kind: "started", data: { resume: false } },
      { seq: 2, kind: "action", data: { action: "left_click", coordinate: [1, 2] } },
      { seq: 3, kind: "assistant_text", data: { text: "after the bad one", step: 1 } },
    ]);
    await host.ackedAtLeast(task.id, 3);
    const acks = host.received.filter((m) => m.type === "ack");
    expect(acks.flatMap((m) => (m.type === "ack" ? (m.refused ?? []) : []))).toEqual([{ seq: 2, reason: expect.stringMatching(/^invalid action event: /) }]);
    const events = (await api("GET", `/api/tasks/${task.id}/events`)).json.items as TaskEvent[];
    const host2 = events.filter((e) => e.source === "host").map((e) => [e.hostSeq, e.kind]);
    expect(host2).toEqual([[1, "started"], [2, "log"], [3, "assistant_text"]]);
    expect(JSON.stringify(events.find((e) => e.hostSeq === 2)?.data)).toMatch(/refused an event from the host: invalid action event/);
  });
});
