import { describe, expect, it } from "vitest";
import { checkTiming, firstRun, nextRunAfter, timingOf, timingColumns, MINUTE_MS, type Timing } from "./schedule-spec.ts";
import { canonicalTimeZone } from "./time-zone.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const HOUR = 60 * MINUTE_MS;

describe("time zones", () => {
  it("accepts IANA names in any case and returns the canonical spelling", () => {
    expect(canonicalTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("America/New_York")).toBe("America/New_York");
  });

  it("refuses unknown names and fixed offsets", () => {
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeNull();
    expect(canonicalTimeZone("+02:00")).toBeNull();
    expect(canonicalTimeZone("")).toBeNull();
  });
});

describe("checking a schedule's timing", () => {
  it("defaults the time zone to UTC", () => {
    expect(checkTiming({ cron: "0 9 * * *" }, NOW)).toEqual({ ok: true, value: { kind: "cron", cron: "0 9 * * *", timezone: "UTC" } });
  });

  it("rejects an unknown time zone naming it", () => {
    const r = checkTiming({ cron: "0 9 * * *", timezone: "Europe/Atlantis" }, NOW);
    expect(r).toMatchObject({ ok: false, code: "unknown_timezone" });
    expect(!r.ok && r.message).toMatch(/`Europe\/Atlantis` is not an IANA time zone/);
  });

  it("rejects an invalid cron with the field's name", () => {
    const r = checkTiming({ cron: "0 25 * * *" }, NOW);
    expect(r).toMatchObject({ ok: false, code: "invalid_cron" });
    expect(!r.ok && r.message).toMatch(/hour field `25`/);
  });

  it("rejects an interval under a minute", () => {
    expect(checkTiming({ intervalMinutes: 0 }, NOW)).toMatchObject({ ok: false, code: "invalid_interval" });
    expect(checkTiming({ intervalMinutes: 0.5 }, NOW)).toMatchObject({ ok: false, code: "invalid_interval" });
    expect(checkTiming({ intervalMinutes: 1 }, NOW)).toEqual({ ok: true, value: { kind: "interval", intervalMs: MINUTE_MS, timezone: "UTC" } });
  });

  it("rejects a one-shot time that is now or past, and accepts one a millisecond ahead", () => {
    expect(checkTiming({ runAt: NOW - 1 }, NOW)).toMatchObject({ ok: false, code: "run_at_in_past" });
    expect(checkTiming({ runAt: NOW }, NOW)).toMatchObject({ ok: false, code: "run_at_in_past" });
    expect(checkTiming({ runAt: NOW + 1 }, NOW)).toMatchObject({ ok: true, value: { kind: "once", runAt: NOW + 1 } });
  });

  it("requires exactly one of cron, intervalMinutes and runAt", () => {
    expect(checkTiming({}, NOW)).toMatchObject({ ok: false, code: "invalid_timing" });
    expect(checkTiming({ cron: "* * * * *", intervalMinutes: 5 }, NOW)).toMatchObject({ ok: false, code: "invalid_timing" });
  });
});

describe("slots", () => {
  const every15: Timing = { kind: "interval", intervalMs: 15 * MINUTE_MS, timezone: "UTC" };
  const nineDaily: Timing = { kind: "cron", cron: "0 9 * * *", timezone: "UTC" };

  it("starts an interval schedule one interval after it is enabled", () => {
    expect(firstRun(every15, NOW)).toBe(NOW + 15 * MINUTE_MS);
  });

  it("moves an interval schedule one step on when it runs on time", () => {
    expect(nextRunAfter(every15, NOW, NOW)).toBe(NOW + 15 * MINUTE_MS);
  });

  it("after a long outage, gives the next interval slot ahead of now, keeping the phase", () => {
    const slot = NOW - 5 * HOUR - 7 * MINUTE_MS;
    const next = nextRunAfter(every15, slot, NOW)!;
    expect(next).toBeGreaterThan(NOW);
    expect(next - NOW).toBeLessThanOrEqual(15 * MINUTE_MS);
    expect((next - slot) % (15 * MINUTE_MS)).toBe(0);
  });

  it("after a long outage, gives the next cron slot after now, not the missed ones", () => {
    const slot = Date.parse("2025-05-28T09:00:00Z");
    expect(nextRunAfter(nineDaily, slot, NOW)).toBe(Date.parse("2025-06-02T09:00:00Z"));
  });

  it("gives a one-shot no slot after its run, and none at all once its time has passed", () => {
    const once: Timing = { kind: "once", runAt: NOW + HOUR, timezone: "UTC" };
    expect(firstRun(once, NOW)).toBe(NOW + HOUR);
    expect(nextRunAfter(once, NOW + HOUR, NOW + HOUR)).toBeNull();
    expect(firstRun(once, NOW + 2 * HOUR)).toBeNull();
  });

  it("round-trips a timing through its row columns, clearing the others", () => {
    for (const t of [every15, nineDaily, { kind: "once", runAt: NOW, timezone: "Europe/Berlin" } as Timing]) {
      const cols = timingColumns(t);
      expect([cols.cron, cols.intervalMs, cols.runAt].filter((v) => v !== null)).toHaveLength(1);
      expect(timingOf(cols)).toEqual(t);
    }
  });
});
