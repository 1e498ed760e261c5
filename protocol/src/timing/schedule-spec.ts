import { checkCron, nextCronRun } from "./cron-next-run.ts";
import { canonicalTimeZone } from "./time-zone.ts";

export const MINUTE_MS = 60_000;

/** When a schedule runs: exactly one of a cron expression, a fixed interval, or one moment. */
export type Timing =
  | { kind: "cron"; cron: string; timezone: string }
  | { kind: "interval"; intervalMs: number; timezone: string }
  | { kind: "once"; runAt: number; timezone: string };

export type TimingInput = { cron?: string | null; intervalMinutes?: number | null; runAt?: number | null; timezone?: string | null };

export type Checked<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

const fail = (code: string, message: string): { ok: false; code: string; message: string } => ({ ok: false, code, message });

/**
 * Validates a timing (already shape-checked by zod) against `now`: the cron
 * expression (naming the bad field), the time zone, the interval floor, and
 * that a one-shot time is still ahead.
 */
export function checkTiming(input: TimingInput, now: number): Checked<Timing> {
  const timezone = canonicalTimeZone(input.timezone ?? "UTC");
  if (timezone === null) {
    return fail("unknown_timezone", `time zone \`${input.timezone}\` is not an IANA time zone; use a name like \`Europe/Berlin\`, \`America/New_York\` or \`UTC\``);
  }
  const given = [input.cron, input.intervalMinutes, input.runAt].filter((v) => v !== undefined && v !== null).length;
  if (given !== 1) return fail("invalid_timing", "give exactly one of cron, intervalMinutes or runAt");
  if (input.cron != null) {
    const cron = checkCron(input.cron, timezone, now);
    return cron.ok ? { ok: true, value: { kind: "cron", cron: cron.expression, timezone } } : fail("invalid_cron", cron.message);
  }
  if (input.intervalMinutes != null) {
    if (!Number.isInteger(input.intervalMinutes) || input.intervalMinutes < 1) {
      return fail("invalid_interval", `intervalMinutes must be a whole number of at least 1; got ${input.intervalMinutes}`);
    }
    return { ok: true, value: { kind: "interval", intervalMs: input.intervalMinutes * MINUTE_MS, timezone } };
  }
  const runAt = input.runAt!;
  if (runAt <= now) {
    return fail("run_at_in_past", `runAt ${new Date(runAt).toISOString()} is not in the future (now is ${new Date(now).toISOString()}); pick a later time`);
  }
  return { ok: true, value: { kind: "once", runAt, timezone } };
}

/** The first slot of a schedule enabled at `now`; null when there is none (a one-shot whose time has passed). */
export function firstRun(t: Timing, now: number): number | null {
  switch (t.kind) {
    case "cron":
      return nextCronRun(t.cron, t.timezone, now);
    case "interval":
      return now + t.intervalMs;
    case "once":
      return t.runAt > now ? t.runAt : null;
  }
}

/**
 * The slot after `slot` that is still ahead of `now`. Computed from now, not from
 * the missed slot, so a schedule that was down for hours runs once, not once per
 * missed slot. Interval schedules keep their phase (slot + k·interval).
 */
export function nextRunAfter(t: Timing, slot: number, now: number): number | null {
  switch (t.kind) {
    case "cron":
      return nextCronRun(t.cron, t.timezone, Math.max(slot, now));
    case "interval": {
      const steps = Math.max(1, Math.floor((now - slot) / t.intervalMs) + 1);
      return slot + steps * t.intervalMs;
    }
    case "once":
      return null;
  }
}

/** The timing stored in a schedule row (kind + the one column it uses). */
export function timingOf(row: { kind: Timing["kind"]; cron: string | null; intervalMs: number | null; runAt: number | null; timezone: string }): Timing {
  if (row.kind === "cron") return { kind: "cron", cron: row.cron ?? "", timezone: row.timezone };
  if (row.kind === "interval") return { kind: "interval", intervalMs: row.intervalMs ?? MINUTE_MS, timezone: row.timezone };
  return { kind: "once", runAt: row.runAt ?? 0, timezone: row.timezone };
}

/** The columns a timing occupies; the others are cleared so a kind switch leaves nothing stale. */
export function timingColumns(t: Timing): { kind: Timing["kind"]; cron: string | null; intervalMs: number | null; runAt: number | null; timezone: string } {
  return {
    kind: t.kind,
    cron: t.kind === "cron" ? t.cron : null,
    intervalMs: t.kind === "interval" ? t.intervalMs : null,
    runAt: t.kind === "once" ? t.runAt : null,
    timezone: t.timezone,
  };
}
