import { checkTiming, firstRun, nextRunAfter, type TimingInput } from "@deskfleet/protocol/timing/schedule-spec";

export type Preview = { ok: true; runs: number[]; timezone: string } | { ok: false; message: string };

/**
 * The next runs, computed by the scheduler's own module (same cron dialect,
 * same DST rules as the Cron Trigger), so the preview never disagrees with it.
 */
export function previewRuns(input: TimingInput, now: number, count = 5): Preview {
  const checked = checkTiming(input, now);
  if (!checked.ok) return { ok: false, message: checked.message };
  const runs: number[] = [];
  let next = firstRun(checked.value, now);
  while (next !== null && runs.length < count) {
    runs.push(next);
    next = nextRunAfter(checked.value, next, next);
  }
  return { ok: true, runs, timezone: checked.value.timezone };
}

/** A run time in the schedule's own time zone, e.g. `Mon 3 Mar, 09:00`. */
export const inZone = (at: number, timeZone: string): string =>
  new Intl.DateTimeFormat(undefined, { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
