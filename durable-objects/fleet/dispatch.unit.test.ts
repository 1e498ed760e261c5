import { describe, expect, it } from "vitest";
import { planDispatch, presenceOfDesktop, waitingReason, type FleetDesktop, type QueueEntry } from "./dispatch.ts";

const task = (taskId: string, over: Partial<QueueEntry> = {}): QueueEntry => ({ taskId, priority: 0, createdAt: 0, desktopId: null, labels: [], ...over });
const desk = (id: string, over: Partial<FleetDesktop> = {}): FleetDesktop => ({
  id, labels: [], connected: true, runsTasks: true, runsTasksReason: null, directVnc: false, busyTaskId: null, idleSince: 0, ...over,
});

describe("planDispatch", () => {
  it("gives a task to the longest-idle desktop", () => {
    const plan = planDispatch([task("t1")], [desk("a", { idleSince: 50 }), desk("b", { idleSince: 10 }), desk("c", { idleSince: 30 })]);
    expect(plan).toEqual([{ taskId: "t1", desktopId: "b" }]);
  });

  it("serves higher priority first, then older tasks", () => {
    const plan = planDispatch(
      [task("old", { createdAt: 1 }), task("urgent", { createdAt: 5, priority: 10 }), task("new", { createdAt: 9 })],
      [desk("a"), desk("b")],
    );
    expect(plan.map((p) => p.taskId)).toEqual(["urgent", "old"]);
  });

  it("never assigns to a busy or disconnected desktop", () => {
    expect(planDispatch([task("t1")], [desk("a", { busyTaskId: "x" }), desk("b", { connected: false })])).toEqual([]);
  });

  it("does not let a task pinned to a missing desktop block the tasks behind it", () => {
    const plan = planDispatch([task("pinned", { desktopId: "gone", createdAt: 1 }), task("any", { createdAt: 2 })], [desk("a")]);
    expect(plan).toEqual([{ taskId: "any", desktopId: "a" }]);
  });

  it("requires every label of a task on the desktop", () => {
    const plan = planDispatch([task("t1", { labels: ["chrome", "eu"] })], [desk("a", { labels: ["chrome"] }), desk("b", { labels: ["eu", "chrome", "linux"] })]);
    expect(plan).toEqual([{ taskId: "t1", desktopId: "b" }]);
  });

  it("gives each desktop at most one task per pass", () => {
    expect(planDispatch([task("t1", { createdAt: 1 }), task("t2", { createdAt: 2 })], [desk("a")])).toEqual([{ taskId: "t1", desktopId: "a" }]);
  });

  it("holds back a task whose exclusive secret another running task holds, and says why", () => {
    const waiting = task("t2", { exclusive: ["github"] });
    const holds = new Map([["github", "t1"]]);
    expect(planDispatch([waiting, task("t3", { createdAt: 5 })], [desk("a"), desk("b")], holds)).toEqual([{ taskId: "t3", desktopId: "a" }]);
    expect(waitingReason(waiting, [desk("a"), desk("b")], holds)).toBe("secret `github` is exclusive (one session at a time) and task t1 is using it; the task starts when it is free");
  });

  it("never starts two tasks needing the same exclusive secret in one pass, even with desktops free", () => {
    const plan = planDispatch([task("t1", { createdAt: 1, exclusive: ["github"] }), task("t2", { createdAt: 2, exclusive: ["github", "slack"] })], [desk("a"), desk("b")]);
    expect(plan).toEqual([{ taskId: "t1", desktopId: "a" }]);
  });

  it("lets a task run again with the exclusive secret it holds itself", () => {
    expect(planDispatch([task("t1", { exclusive: ["github"] })], [desk("a")], new Map([["github", "t1"]]))).toEqual([{ taskId: "t1", desktopId: "a" }]);
  });

  it("never gives a task to a host that runs no tasks (no API key)", () => {
    const viewOnly = desk("a", { runsTasks: false, runsTasksReason: "no ANTHROPIC_API_KEY on this host" });
    expect(planDispatch([task("t1"), task("t2", { desktopId: "a" })], [viewOnly])).toEqual([]);
  });
});

describe("waitingReason", () => {
  it("names a missing desktop before an exclusive secret, and the secret once a desktop could take it", () => {
    const holds = new Map([["github", "t1"]]);
    const waiting = task("t2", { desktopId: "a", exclusive: ["github"] });
    expect(waitingReason(waiting, [], holds)).toMatch(/^desktop a has no host connected/);
    expect(waitingReason(waiting, [desk("a")], holds)).toMatch(/^secret `github` is exclusive/);
  });

  const noKey = "no ANTHROPIC_API_KEY on this host; set it and restart deskfleet-host to run tasks";
  it("says nothing while a task only waits its turn behind busy desktops", () => {
    expect(waitingReason(task("t", { desktopId: "a" }), [desk("a", { busyTaskId: "x" })])).toBeNull();
    expect(waitingReason(task("t", { labels: ["chrome"] }), [desk("a", { labels: ["chrome"], busyTaskId: "x" })])).toBeNull();
  });

  it("says why a task aimed at a desktop cannot start: no host, or a host that runs no tasks", () => {
    expect(waitingReason(task("t", { desktopId: "a" }), [])).toBe("desktop a has no host connected; the task starts when its host comes online");
    expect(waitingReason(task("t", { desktopId: "a" }), [desk("a", { connected: false, directVnc: true })])).toMatch(/^desktop a has no host connected/);
    expect(waitingReason(task("t", { desktopId: "a" }), [desk("a", { runsTasks: false, runsTasksReason: noKey })])).toBe(
      `desktop a's host cannot run tasks (${noKey}); the task starts when it can`,
    );
  });

  it("says when no desktop with a task's labels can run it", () => {
    expect(waitingReason(task("t", { labels: ["eu"] }), [desk("a", { labels: ["us"] })])).toBe("no desktop with labels eu is online; the task starts when one comes online");
    expect(waitingReason(task("t"), [desk("a", { runsTasks: false, runsTasksReason: noKey })])).toBe(`no desktop that runs tasks is online (a: view-only, ${noKey}); the task starts when one can`);
  });
});

describe("presenceOfDesktop", () => {
  it("follows the protocol's one rule: online, busy, view-only (no key, or VNC only), offline", () => {
    expect(presenceOfDesktop(desk("a"))).toBe("online");
    expect(presenceOfDesktop(desk("a", { busyTaskId: "t" }))).toBe("busy");
    expect(presenceOfDesktop(desk("a", { runsTasks: false }))).toBe("view_only");
    expect(presenceOfDesktop(desk("a", { connected: false, directVnc: true }))).toBe("view_only");
    expect(presenceOfDesktop(desk("a", { connected: false }))).toBe("offline");
  });
});
