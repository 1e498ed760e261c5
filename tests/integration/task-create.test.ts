import { describe, expect, it } from "vitest";
import type { FleetFeedMessage, TaskEvent } from "@deskfleet/protocol";
import { api, createDesktop, createTask, eventually, fleetFeed, hostToken, taskStatus } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";


const taskStatuses = (feed: FleetFeedMessage[], taskId: string) => feed.flatMap((m) => (m.type === "task" && m.taskId === taskId ? [m.status] : []));

describe("creating a task", () => {
  it("answers with the task as stored (queued), even with an idle desktop waiting, and dispatches after", async () => {
    await createDesktop("create-1");
    const host = new TestHost("create-1", await hostToken("create-1"));
    await host.connect();
    for (let i = 0; i < 3; i++) {
      const res = await api("POST", "/api/tasks", { body: { prompt: `task ${i}`, desktopId: "create-1" } });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ status: "queued", desktopId: null, assignedAt: null });
      // The first one is dispatched right after the answer; the others wait for the desktop.
      if (i === 0) {
        expect((await host.next("assign")).task.id).toBe(res.json.id);
        await eventually(async () => (await taskStatus(res.json.id)) === "assigned", "assigned");
      }
    }
  });

  it("writes one queued status event and publishes queued once, also for a follow-up on a finished task", async () => {
    await createDesktop("create-2");
    const host = new TestHost("create-2", await hostToken("create-2"));
    await host.connect();
    const feed = await fleetFeed();
    const task = await createTask({ prompt: "run, then continue", desktopId: "create-2" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await eventually(async () => (await taskStatus(task.id)) === "running", "running");
    host.sendEvents(task.id, [{ seq: 2, kind: "completed", data: { result: "first run" } }]);
    await eventually(async () => (await taskStatus(task.id)) === "completed", "completed");
    expect((await api("POST", `/api/tasks/${task.id}/messages`, { body: { text: "once more" } })).status).toBe(202);
    await host.next("assign");
    await eventually(async () => taskStatuses(feed.messages, task.id).filter((s) => s === "assigned").length === 2, "second assignment on the feed");
    expect(taskStatuses(feed.messages, task.id)).toEqual(["queued", "assigned", "running", "completed", "queued", "assigned"]);
    const events = (await api("GET", `/api/tasks/${task.id}/events`)).json.items as TaskEvent[];
    const statuses = events.flatMap((e) => (e.kind === "status" ? [e.data.status] : []));
    expect(statuses).toEqual(["queued", "assigned", "running", "completed", "queued", "assigned"]);
    feed.close();
  });
});
