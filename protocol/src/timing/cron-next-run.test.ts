import { describe, expect, it } from "vitest";
import { checkCron, nextCronRun } from "./cron-next-run.ts";

const at = (iso: string) => Date.parse(iso);

/** The next `n` runs after `from`, as ISO strings in UTC. */
function runs(expression: string, timezone: string, from: string, n: number): string[] {
  const out: string[] = [];
  let after = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextCronRun(expression, timezone, after);
    if (next === null) break;
    out.push(new Date(next).toISOString().replace(".000Z", "Z"));
    after = next;
  }
  return out;
}

// 2025 transitions. Europe/Berlin: 30 March 02:00 CET → 03:00 CEST (01:00Z); 26 October 03:00 CEST → 02:00 CET (01:00Z).
// America/New_York: 9 March 02:00 EST → 03:00 EDT (07:00Z); 2 November 02:00 EDT → 01:00 EST (06:00Z).
const TABLE: { what: string; cron: string; tz: string; from: string; expect: string[] }[] = [
  { what: "a daily 02:30 job runs at 03:00 CEST on Berlin's spring-forward day, once", cron: "30 2 * * *", tz: "Europe/Berlin", from: "2025-03-29T12:00:00Z", expect: ["2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"] },
  { what: "a daily 02:30 job runs once, at the first 02:30 (CEST), on Berlin's fall-back day", cron: "30 2 * * *", tz: "Europe/Berlin", from: "2025-10-25T12:00:00Z", expect: ["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"] },
  { what: "a daily 02:30 job runs at 03:00 EDT on New York's spring-forward day, once", cron: "30 2 * * *", tz: "America/New_York", from: "2025-03-08T12:00:00Z", expect: ["2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"] },
  { what: "a daily 02:30 job is unaffected on New York's fall-back day (02:30 happens once)", cron: "30 2 * * *", tz: "America/New_York", from: "2025-11-01T12:00:00Z", expect: ["2025-11-02T07:30:00Z", "2025-11-03T07:30:00Z"] },
  { what: "a daily 01:30 job runs once, at the first 01:30 (EDT), on New York's fall-back day", cron: "30 1 * * *", tz: "America/New_York", from: "2025-11-01T12:00:00Z", expect: ["2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"] },
  { what: "a list of fixed times runs each time once through Berlin's repeated hour", cron: "30 2,14 * * *", tz: "Europe/Berlin", from: "2025-10-25T12:00:00Z", expect: ["2025-10-25T12:30:00Z", "2025-10-26T00:30:00Z", "2025-10-26T13:30:00Z", "2025-10-27T01:30:00Z"] },
  { what: "an hourly job keeps running every real hour through Berlin's repeated hour", cron: "0 * * * *", tz: "Europe/Berlin", from: "2025-10-25T23:30:00Z", expect: ["2025-10-26T00:00:00Z", "2025-10-26T01:00:00Z", "2025-10-26T02:00:00Z"] },
  { what: "a half-hourly job skips the times New York's spring gap removes, without doubling", cron: "*/30 * * * *", tz: "America/New_York", from: "2025-03-09T06:15:00Z", expect: ["2025-03-09T06:30:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:30:00Z"] },
  { what: "weekday mornings skip the weekend", cron: "0 9 * * 1-5", tz: "UTC", from: "2025-06-06T10:00:00Z", expect: ["2025-06-09T09:00:00Z", "2025-06-10T09:00:00Z"] },
  { what: "day-of-month and day-of-week both restricted match either (OR): Fridays and the 13th", cron: "0 0 13 * 5", tz: "UTC", from: "2025-06-01T00:00:00Z", expect: ["2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z", "2025-06-20T00:00:00Z", "2025-06-27T00:00:00Z", "2025-07-04T00:00:00Z", "2025-07-11T00:00:00Z", "2025-07-13T00:00:00Z", "2025-07-18T00:00:00Z"] },
  { what: "a restricted day-of-week with a wildcard day-of-month matches only that weekday", cron: "0 0 * * MON", tz: "UTC", from: "2025-01-01T00:00:00Z", expect: ["2025-01-06T00:00:00Z", "2025-01-13T00:00:00Z"] },
  { what: "a restricted day-of-month with a wildcard day-of-week matches only that day", cron: "0 0 15 * *", tz: "UTC", from: "2025-01-01T00:00:00Z", expect: ["2025-01-15T00:00:00Z", "2025-02-15T00:00:00Z"] },
  { what: "`+` on day-of-week asks for AND: the 1st when it is a Monday", cron: "0 12 1 * +MON", tz: "UTC", from: "2025-01-01T00:00:00Z", expect: ["2025-09-01T12:00:00Z", "2025-12-01T12:00:00Z"] },
  { what: "7 is Sunday, like 0", cron: "0 0 * * 7", tz: "UTC", from: "2025-06-03T00:00:00Z", expect: ["2025-06-08T00:00:00Z"] },
  { what: "February 29th waits for a leap year", cron: "0 0 29 2 *", tz: "UTC", from: "2025-01-01T00:00:00Z", expect: ["2028-02-29T00:00:00Z"] },
  { what: "a half-hour-offset zone shifts the run", cron: "0 9 * * *", tz: "Asia/Kolkata", from: "2025-06-03T00:00:00Z", expect: ["2025-06-03T03:30:00Z"] },
  { what: "@hourly runs at the top of each hour", cron: "@hourly", tz: "UTC", from: "2025-06-03T10:20:00Z", expect: ["2025-06-03T11:00:00Z", "2025-06-03T12:00:00Z"] },
  { what: "@daily runs at local midnight", cron: "@daily", tz: "America/New_York", from: "2025-06-03T10:20:00Z", expect: ["2025-06-04T04:00:00Z", "2025-06-05T04:00:00Z"] },
  { what: "@weekly runs at midnight between Saturday and Sunday", cron: "@weekly", tz: "UTC", from: "2025-06-03T10:20:00Z", expect: ["2025-06-08T00:00:00Z", "2025-06-15T00:00:00Z"] },
  { what: "@monthly runs at midnight on the 1st, local time", cron: "@monthly", tz: "Europe/Berlin", from: "2025-06-03T10:20:00Z", expect: ["2025-06-30T22:00:00Z", "2025-07-31T22:00:00Z"] },
  { what: "@yearly runs at midnight on January 1st", cron: "@yearly", tz: "UTC", from: "2025-06-03T10:20:00Z", expect: ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"] },
];

describe("next cron run", () => {
  for (const row of TABLE) {
    it(`${row.what} (${row.cron}, ${row.tz})`, () => {
      expect(runs(row.cron, row.tz, row.from, row.expect.length)).toEqual(row.expect);
    });
  }

  it("returns a time strictly after the one given, so a slot never repeats", () => {
    expect(nextCronRun("* * * * *", "UTC", at("2025-01-01T00:00:00Z"))).toBe(at("2025-01-01T00:01:00Z"));
    expect(nextCronRun("* * * * *", "UTC", at("2025-01-01T00:00:30Z"))).toBe(at("2025-01-01T00:01:00Z"));
  });

  it("runs a 02:30 Berlin job exactly once per calendar day across both 2025 transitions", () => {
    const all = runs("30 2 * * *", "Europe/Berlin", "2025-01-01T00:00:00Z", 365);
    const localDays = all.map((iso) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date(iso)));
    expect(new Set(localDays).size).toBe(365);
  });
});

describe("checking a cron expression", () => {
  const now = at("2025-06-01T00:00:00Z");
  const bad = (expr: string) => {
    const r = checkCron(expr, "UTC", now);
    if (r.ok) throw new Error(`${expr} was accepted`);
    return r.message;
  };

  it("names the field that is wrong", () => {
    expect(bad("61 * * * *")).toMatch(/minute field `61`/);
    expect(bad("* 24 * * *")).toMatch(/hour field `24`/);
    expect(bad("* * 0 * *")).toMatch(/day-of-month field `0`/);
    expect(bad("* * * 13 *")).toMatch(/month field `13`/);
    expect(bad("* * * * 8")).toMatch(/day-of-week field `8`/);
    expect(bad("*/0 * * * *")).toMatch(/minute field/);
    expect(bad("0 9 * * FUNDAY")).toMatch(/day-of-week field `FUNDAY`/);
  });

  it("says how many fields it wants when the count is wrong", () => {
    expect(bad("* * * *")).toMatch(/has 4 fields; it needs 5/);
    expect(bad("0 * * * * *")).toMatch(/has 6 fields; it needs 5/);
  });

  it("refuses an expression that never matches a date", () => {
    expect(bad("0 0 30 2 *")).toMatch(/never matches/);
  });

  it("refuses unknown macros, and accepts the standard ones in any case", () => {
    expect(bad("@reboot")).toMatch(/not supported.*@hourly/);
    expect(checkCron("@Daily", "UTC", now)).toEqual({ ok: true, expression: "@daily" });
    expect(checkCron("@annually", "UTC", now)).toEqual({ ok: true, expression: "@annually" });
  });

  it("normalises whitespace", () => {
    expect(checkCron("  30   2 * *  * ", "UTC", now)).toEqual({ ok: true, expression: "30 2 * * *" });
  });
});
