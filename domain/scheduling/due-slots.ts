import { nextRunAfter, type Timing } from "@deskfleet/protocol/timing/schedule-spec";

export type DueSlot = {
  timing: Timing;
  /** The `next_run_at` read from the row: the slot being decided. */
  slot: number;
  now: number;
  runCount: number;
  maxRuns: number | null;
  skipIfRunning: boolean;
  /** Whether an earlier run of this schedule is still queued, running or waiting for a person. */
  previousRunActive: boolean;
};

/** What to do with a due slot. `next` null with `finished` means the schedule disables itself. */
export type SlotPlan = { action: "run"; next: number | null; finished: boolean } | { action: "skip"; next: number | null };

/**
 * Decides one due slot. The caller claims it with a conditional UPDATE on
 * `next_run_at = slot`, so whatever is decided here happens at most once.
 */
export function planSlot(s: DueSlot): SlotPlan {
  const next = nextRunAfter(s.timing, s.slot, s.now);
  // A one-shot has no earlier scheduled run to overlap with; skipping it would lose it.
  if (s.skipIfRunning && s.previousRunActive && s.timing.kind !== "once") return { action: "skip", next };
  const reachedMax = s.maxRuns !== null && s.runCount + 1 >= s.maxRuns;
  if (reachedMax || next === null) return { action: "run", next: null, finished: true };
  return { action: "run", next, finished: false };
}
