/**
 * Pure budget rules: the UTC windows spend is counted in, how full each is,
 * and what the fleet does about it (warn at 80 %, hold at 100 %). FleetDO
 * only applies them.
 */

export type BudgetLimits = { dailyUsd: number | null; monthlyUsd: number | null };
export type Spent = { todayUsd: number; monthUsd: number };
export type BudgetWindow = "daily" | "monthly";

export const WARN_AT = 0.8;
/** Cents summed as floats drift (0.02 + 0.02 < 0.8 × 0.05): compare within a billionth of a dollar. */
const EPSILON = 1e-9;

/** The UTC day and month `now` falls in: their start instants and their names (the warning is sent once per window name). */
export function windowsAt(now: number): { dayStart: number; monthStart: number; nextDayStart: number; nextMonthStart: number; day: string; month: string } {
  const d = new Date(now);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const iso = new Date(dayStart).toISOString();
  return {
    dayStart, monthStart,
    nextDayStart: dayStart + 86_400_000,
    nextMonthStart: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    day: iso.slice(0, 10), month: iso.slice(0, 7),
  };
}

/** A limit from a setting: empty, absent or not a non-negative number is no limit. */
export function parseLimit(value: string | undefined | null): number | null {
  if (value === undefined || value === null || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export type BudgetState = {
  limits: BudgetLimits;
  spent: Spent;
  /** The first window that is spent (spend ≥ limit), or null. */
  over: { window: BudgetWindow; limitUsd: number; spentUsd: number } | null;
  /** Windows at or over 80 % of their limit. */
  warn: BudgetWindow[];
};

export function budgetState(limits: BudgetLimits, spent: Spent): BudgetState {
  const windows: [BudgetWindow, number | null, number][] = [["daily", limits.dailyUsd, spent.todayUsd], ["monthly", limits.monthlyUsd, spent.monthUsd]];
  let over: BudgetState["over"] = null;
  const warn: BudgetWindow[] = [];
  for (const [window, limit, used] of windows) {
    if (limit === null) continue;
    if (used + EPSILON >= limit * WARN_AT) warn.push(window);
    if (!over && used + EPSILON >= limit) over = { window, limitUsd: limit, spentUsd: used };
  }
  return { limits, spent, over, warn };
}

export const usd = (n: number) => `$${n < 1 ? n.toFixed(4).replace(/0{1,2}$/, "") : n.toFixed(2)}`;

/** What a queued task's status says while the budget holds it. */
export function overBudgetReason(over: NonNullable<BudgetState["over"]>, taskId: string): string {
  const when = over.window === "daily" ? "today (UTC)" : "this month (UTC)";
  return `over budget: the fleet's ${over.window} budget of ${usd(over.limitUsd)} is spent (${usd(over.spentUsd)} ${when}); the task starts when an admin raises the limit (PUT /api/spend/budget) or runs it anyway (POST /api/tasks/${taskId}/run-anyway)`;
}

/** What the supervisor says instead of calling the model while the budget is spent (its own calls count too). */
export function supervisorOverBudgetReason(over: NonNullable<BudgetState["over"]>): string {
  const when = over.window === "daily" ? "today (UTC)" : "this month (UTC)";
  return `The fleet's ${over.window} budget of ${usd(over.limitUsd)} is spent (${usd(over.spentUsd)} ${when}), so the supervisor is not calling the model; it answers again when an admin raises the limit (the dashboard's Spend page, or PUT /api/spend/budget). Commands such as /tasks still work.`;
}

/** Why a running task is held, or null to let it run: the kill switch first, then the budget (unless the task runs anyway). */
export type HoldReason = "fleet" | "budget";

export function holdFor(taskId: string, s: { paused: boolean; over: boolean; exempt: ReadonlySet<string> }): HoldReason | null {
  if (s.paused) return "fleet";
  if (s.over && !s.exempt.has(taskId)) return "budget";
  return null;
}
