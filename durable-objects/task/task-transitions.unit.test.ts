import { describe, expect, it } from "vitest";
import type { HostEvent } from "@deskfleet/protocol";
import { ingestHostEvents } from "./ingest.ts";
import { ZERO_USAGE } from "./lifecycle.ts";
import { holdByFleet, pauseForTakeover, releaseByFleet } from "./task-transitions.ts";
import type { TaskRecord } from "./task-record.ts";
import type { HelpRow } from "../../db/help-requests.ts";

const record = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "tsk_0123456789ab", prompt: "p", targetDesktopId: null, targetLabels: [], source: "api", sourceMeta: null, scheduleId: null,
  originalTaskId: null, retryNumber: 0, priority: 0, options: {}, createdAt: 1, status: "running", desktopId: "vm-1", result: null,
  error: null, usage: ZERO_USAGE, steps: 0, assignedAt: 1, startedAt: 1, finishedAt: null, updatedAt: 1, lastHostSeq: 0,
  lastActivityAt: 1, pendingMessages: [], everAssigned: true, helpRequests: [], pendingDeliveries: [], lastScreenshotKey: null, ...over,
});
const usage = (seq: number): HostEvent => ({ seq, kind: "usage", at: 100 + seq, data: { step: seq, model: "claude-sonnet-4-5", inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.01 } });

describe("the fleet holding a task", () => {
  it("pauses a running task for the budget and lets it go on when released", () => {
    const held = holdByFleet(record(), "budget", "budget", 5)!;
    expect(held.next).toMatchObject({ status: "waiting_for_human", pausedFor: "budget" });
    expect(releaseByFleet(held.next, "admin", 6)!.next).toMatchObject({ status: "running", pausedFor: null });
  });

  it("keeps a held task waiting when events already in flight arrive (the step that crossed the budget)", () => {
    const held = holdByFleet(record(), "budget", "budget", 5)!.next;
    const out = ingestHostEvents(held, [usage(1)], 10, 60_000);
    expect(out.record.status).toBe("waiting_for_human");
  });

  it("leaves a task a person holds to them, and lets a person take over a task the fleet holds", () => {
    const taken = pauseForTakeover(record(), "ada", 5)!.next;
    expect(holdByFleet(taken, "fleet", "admin", 6)).toBeNull();
    const held = holdByFleet(record(), "fleet", "admin", 5)!.next;
    expect(pauseForTakeover(held, "ada", 6)!.next.pausedFor).toBe("takeover");
    expect(releaseByFleet(taken, "admin", 7)).toBeNull();
  });

  it("does not start a released task while a help request is still open", () => {
    const open = { id: "h1", status: "open" } as HelpRow;
    const held = holdByFleet(record({ status: "waiting_for_human", helpRequests: [open] }), "budget", "budget", 5)!.next;
    expect(releaseByFleet(held, "admin", 6)!.next.status).toBe("waiting_for_human");
  });

  it("holds nothing that is not on a desktop", () => {
    expect(holdByFleet(record({ status: "queued", desktopId: null }), "budget", "budget", 5)).toBeNull();
    expect(holdByFleet(record({ status: "completed" }), "fleet", "admin", 5)).toBeNull();
  });
});
