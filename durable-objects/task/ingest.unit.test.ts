import { describe, expect, it } from "vitest";
import type { HostEvent } from "@deskfleet/protocol";
import { ingestHostEvents } from "./ingest.ts";
import { ZERO_USAGE } from "./lifecycle.ts";
import type { TaskRecord } from "./task-record.ts";

const record = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "tsk_0123456789ab", prompt: "p", targetDesktopId: null, targetLabels: [], source: "api", sourceMeta: null, scheduleId: null,
  originalTaskId: null, retryNumber: 0, priority: 0, options: {}, createdAt: 1, status: "assigned", desktopId: "vm-1", result: null,
  error: null, usage: ZERO_USAGE, steps: 0, assignedAt: 1, startedAt: null, finishedAt: null, updatedAt: 1, lastHostSeq: 0,
  lastActivityAt: 1, pendingMessages: [], everAssigned: true, helpRequests: [], pendingDeliveries: [], lastScreenshotKey: null, ...over,
});
const event = (seq: number, kind: HostEvent["kind"], data: Record<string, unknown>): HostEvent => ({ seq, kind, at: 100 + seq, data });

describe("ingesting host events", () => {
  it("stores typed events in order and moves the task", () => {
    const out = ingestHostEvents(record(), [
      event(1, "started", { resume: false }),
      event(2, "action", { name: "left_click", input: { coordinate: [5, 6] }, step: 1 }),
      event(3, "screenshot", { key: "tasks/tsk_0123456789ab/1-a.png", width: 10, height: 10, step: 1 }),
    ], 500, 60_000);
    expect(out.events.map((e) => [e.hostSeq, e.kind])).toEqual([[1, "started"], [2, "action"], [3, "screenshot"]]);
    expect(out.record).toMatchObject({ status: "running", steps: 1, lastHostSeq: 3, lastScreenshotKey: "tasks/tsk_0123456789ab/1-a.png" });
    expect(out.refused).toEqual([]);
  });

  it("refuses an event whose data breaks its kind's schema, storing a warning in its place so the sequence goes on", () => {
    const out = ingestHostEvents(record(), [
      event(1, "action", { action: "left_click", coordinate: [5, 6] }),
      event(2, "assistant_text", { text: "next", step: 1 }),
    ], 500, 60_000);
    expect(out.refused).toEqual([{ seq: 1, reason: expect.stringMatching(/^invalid action event: name: .*; input: /) }]);
    expect(out.events[0]).toMatchObject({ hostSeq: 1, kind: "log", data: { level: "warn", message: expect.stringContaining("refused an event from the host: invalid action event") } });
    expect(JSON.stringify(out.events[0]!.data)).not.toContain("coordinate");
    expect(out.events[1]).toMatchObject({ hostSeq: 2, kind: "assistant_text" });
    expect(out.record.lastHostSeq).toBe(2);
  });

  it("skips events already stored and stops at a gap so the host resends", () => {
    const out = ingestHostEvents(record({ lastHostSeq: 2 }), [
      event(2, "log", { level: "info", message: "old" }),
      event(3, "log", { level: "info", message: "new" }),
      event(5, "log", { level: "info", message: "after a gap" }),
    ], 500, 60_000);
    expect(out.events.map((e) => e.hostSeq)).toEqual([3]);
    expect(out.record.lastHostSeq).toBe(3);
  });

  it("opens a help request once, and refuses the same request asked again", () => {
    const ask = { requestId: "req_0123456789", question: "Which account?" };
    const first = ingestHostEvents(record({ status: "running" }), [event(1, "help_request", ask)], 500, 60_000);
    expect(first.asked).toEqual([expect.objectContaining({ id: "req_0123456789", question: "Which account?", expiresAt: 60_500 })]);
    expect(first.record.status).toBe("waiting_for_human");
    const again = ingestHostEvents(first.record, [event(2, "help_request", ask)], 600, 60_000);
    expect(again.asked).toEqual([]);
    expect(again.refused).toEqual([{ seq: 2, reason: "help request req_0123456789 was already asked" }]);
    expect(again.events[0]!.kind).toBe("log");
  });

  it("keeps a task a person took over waiting, whatever the host still sends", () => {
    const out = ingestHostEvents(record({ status: "waiting_for_human", pausedFor: "takeover" }), [event(1, "assistant_text", { text: "still here", step: 3 })], 500, 60_000);
    expect(out.record.status).toBe("waiting_for_human");
  });

  it("stores nothing for a task that is not running on the desktop now, acknowledging and refusing what the host sent", () => {
    for (const status of ["completed", "cancelled", "failed", "queued"] as const) {
      const out = ingestHostEvents(record({ status, lastHostSeq: 4 }), [event(4, "log", { level: "info", message: "old" }), event(5, "assistant_text", { text: "late", step: 9 })], 500, 60_000);
      expect(out.events).toEqual([]);
      expect(out.record).toMatchObject({ status, lastHostSeq: 5 });
      expect(out.refused).toEqual([{ seq: 5, reason: `task tsk_0123456789ab is ${status}, not running on this desktop; events for it are not stored` }]);
    }
  });

  it("does not ask people more than the task's limit of questions, and says which were not asked", () => {
    const ask = (i: number) => event(i, "help_request", { requestId: `req_limit_${String(i).padStart(4, "0")}`, question: `Q${i}?` });
    const out = ingestHostEvents(record({ status: "running" }), [ask(1), ask(2), ask(3)], 500, 60_000, 2);
    expect(out.asked.map((h) => h.id)).toEqual(["req_limit_0001", "req_limit_0002"]);
    expect(out.overLimit).toEqual(["req_limit_0003"]);
    expect(out.refused).toEqual([{ seq: 3, reason: "help request req_limit_0003 not asked: this task already asked 2 questions" }]);
    expect(out.events[2]).toMatchObject({ kind: "log", data: { level: "warn" } });
  });
});
