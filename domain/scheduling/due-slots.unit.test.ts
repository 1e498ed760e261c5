import { describe, expect, it } from "vitest";
import { planSlot, type DueSlot } from "./due-slots.ts";
import { MINUTE_MS } from "@deskfleet/protocol/timing/schedule-spec";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const base: DueSlot = {
  timing: { kind: "interval", intervalMs: 10 * MINUTE_MS, timezone: "UTC" },
  slot: NOW,
  now: NOW,
  runCount: 0,
  maxRuns: null,
  skipIfRunning: true,
  previousRunActive: false,
};

describe("planning a due slot", () => {
  it("runs and moves to the next slot", () => {
    expect(planSlot(base)).toEqual({ action: "run", next: NOW + 10 * MINUTE_MS, finished: false });
  });

  it("skips, but still advances, while the previous run is active", () => {
    expect(planSlot({ ...base, previousRunActive: true })).toEqual({ action: "skip", next: NOW + 10 * MINUTE_MS });
  });

  it("runs over an active previous run when skipIfRunning is off", () => {
    expect(planSlot({ ...base, previousRunActive: true, skipIfRunning: false })).toMatchObject({ action: "run" });
  });

  it("finishes on the run that reaches maxRuns", () => {
    expect(planSlot({ ...base, runCount: 1, maxRuns: 3 })).toEqual({ action: "run", next: NOW + 10 * MINUTE_MS, finished: false });
    expect(planSlot({ ...base, runCount: 2, maxRuns: 3 })).toEqual({ action: "run", next: null, finished: true });
  });

  it("runs a one-shot once and finishes, even while a manual run is active", () => {
    const once = { ...base, timing: { kind: "once" as const, runAt: NOW, timezone: "UTC" } };
    expect(planSlot(once)).toEqual({ action: "run", next: null, finished: true });
    expect(planSlot({ ...once, previousRunActive: true })).toEqual({ action: "run", next: null, finished: true });
  });

  it("runs a missed slot once after downtime, with the next slot ahead of now", () => {
    const plan = planSlot({ ...base, slot: NOW - 6 * 60 * MINUTE_MS });
    expect(plan.action).toBe("run");
    expect(plan.next).toBeGreaterThan(NOW);
    expect(plan.next! - NOW).toBeLessThanOrEqual(10 * MINUTE_MS);
  });
});
