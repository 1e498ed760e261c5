import { Cron } from "croner";

/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week) plus the
 * @hourly/@daily/@midnight/@weekly/@monthly/@yearly/@annually macros, evaluated in an IANA time zone.
 *
 * Semantics, pinned by cron-next-run.unit.test.ts:
 * - Day-of-month and day-of-week combine with OR when both are restricted (Vixie cron);
 *   croner's `+` prefix on day-of-week asks for AND.
 * - DST (croner's Vixie-style rule, with `fixedTimeRule: "no-wildcard"` so that lists
 *   like `30 2,14 * * *` count as fixed times too): a fixed time inside the spring-forward
 *   gap runs once, at the first valid time after the gap (02:30 → 03:00); a fixed time
 *   that occurs twice at fall-back runs once, at its first occurrence. Jobs with a
 *   wildcard or step in minute/hour run in real time: through a repeated hour, and
 *   not at times that do not exist.
 */

const FIELDS = [
  { name: "minute", takes: "0-59" },
  { name: "hour", takes: "0-23" },
  { name: "day-of-month", takes: "1-31, L or nW" },
  { name: "month", takes: "1-12 or JAN-DEC" },
  { name: "day-of-week", takes: "0-7 or SUN-SAT (0 and 7 are Sunday), n#k or nL" },
] as const;

const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

export type CronCheck = { ok: true; expression: string } | { ok: false; message: string };

function build(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, mode: "5-part", fixedTimeRule: "no-wildcard" });
}

/** Checks an expression and says exactly what is wrong (which field, or that it never matches). */
export function checkCron(input: string, timezone: string, now: number): CronCheck {
  const expression = input.trim().replace(/\s+/g, " ");
  if (expression.startsWith("@")) {
    const macro = expression.toLowerCase();
    if (!MACROS.has(macro)) {
      return { ok: false, message: `cron macro \`${expression}\` is not supported; use @hourly, @daily, @weekly, @monthly or @yearly` };
    }
    return { ok: true, expression: macro };
  }
  const fields = expression.split(" ");
  if (fields.length !== 5) {
    return {
      ok: false,
      message: `cron \`${expression}\` has ${fields.length} field${fields.length === 1 ? "" : "s"}; it needs 5: minute hour day-of-month month day-of-week (e.g. \`30 2 * * *\`)`,
    };
  }
  // Try each field alone, the others wildcards, so the message can name the culprit.
  for (const [i, field] of FIELDS.entries()) {
    const alone = fields.map((f, j) => (j === i ? f : "*")).join(" ");
    try {
      build(alone, "UTC");
    } catch {
      return {
        ok: false,
        message: `cron ${field.name} field \`${fields[i]}\` is invalid; it takes ${field.takes}, \`*\`, lists (1,15), ranges (1-5) and steps (*/5, 1-30/5)`,
      };
    }
  }
  try {
    if (build(expression, timezone).nextRun(new Date(now)) === null) {
      return { ok: false, message: `cron \`${expression}\` never matches a date (e.g. February 30th)` };
    }
  } catch (err) {
    return { ok: false, message: `cron \`${expression}\` is invalid: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true, expression };
}

/** The first run strictly after `after` (epoch ms), or null if the expression never matches again. */
export function nextCronRun(expression: string, timezone: string, after: number): number | null {
  return build(expression, timezone).nextRun(new Date(after))?.getTime() ?? null;
}
