import { describe, expect, it } from "vitest";
import { fleetReducer, initialFleet, type FleetState } from "./fleet-state.ts";

const T1 = "tsk_0000000001aaaaaaaaaa";
const T2 = "tsk_0000000002aaaaaaaaaa";
const help = (taskId: string, at: number) => ({ type: "notification" as const, level: "warning" as const, title: "Help needed", body: "Which invoice?", taskId, at });
const status = (taskId: string, s: "running" | "waiting_for_human", at: number) => ({ type: "task" as const, taskId, status: s, desktopId: null, at });

describe("fleetReducer", () => {
  it("drops a task's help-needed toast once the task stops waiting, and keeps the others", () => {
    let state: FleetState = initialFleet;
    for (const m of [help(T1, 1), help(T2, 2), { type: "notification" as const, level: "success" as const, title: "Task completed", body: "done", taskId: T1, at: 3 }]) {
      state = fleetReducer(state, { type: "feed", message: m });
    }
    const waiting = fleetReducer(state, { type: "feed", message: status(T1, "waiting_for_human", 4) });
    expect(waiting.notifications).toBe(state.notifications);
    const answered = fleetReducer(state, { type: "feed", message: status(T1, "running", 5) });
    expect(answered.notifications.map((n) => [n.title, n.taskId])).toEqual([
      ["Help needed", T2],
      ["Task completed", T1],
    ]);
  });

  it("removes a deleted desktop and follows the presence the feed says for the others", () => {
    const desktop = (id: string) => ({ id, presence: "online" as const, currentTaskId: null, lastSeenAt: 0 }) as unknown as FleetState["desktops"][number];
    let state = fleetReducer(initialFleet, { type: "loaded", desktops: [desktop("a"), desktop("b")] });
    state = fleetReducer(state, { type: "feed", message: { type: "desktop", desktopId: "a", presence: "view_only", taskId: null, at: 5 } });
    state = fleetReducer(state, { type: "feed", message: { type: "desktop", desktopId: "b", presence: "offline", taskId: null, deleted: true, at: 6 } });
    expect(state.desktops.map((d) => [d.id, d.presence])).toEqual([["a", "view_only"]]);
  });
});

describe("fleetReducer and proposals", () => {
  it("records each proposal's latest status for the approvals views, and keeps an approval toast when a job's task moves on", () => {
    const approval = { type: "notification" as const, level: "warning" as const, title: "Approval needed", body: "Retry the failed task", taskId: T1, path: "/approvals", at: 1 };
    let state = fleetReducer(initialFleet, { type: "feed", message: approval });
    state = fleetReducer(state, { type: "feed", message: { type: "proposal", proposalId: "prp_0000000001aaaa", status: "pending", at: 2 } });
    state = fleetReducer(state, { type: "feed", message: status(T1, "running", 3) });
    state = fleetReducer(state, { type: "feed", message: { type: "proposal", proposalId: "prp_0000000001aaaa", status: "approved", at: 4 } });
    expect(state.proposalStatus).toEqual({ prp_0000000001aaaa: { status: "approved", at: 4 } });
    expect(state.notifications.map((n) => n.title)).toEqual(["Approval needed"]);
  });
});
