import { describe, expect, it } from "vitest";
import { budgetState, holdFor, overBudgetReason, parseLimit, windowsAt } from "./budget.ts";

describe("budget rules", () => {
  it("counts a day and a month in UTC, whatever the time of day", () => {
    const w = windowsAt(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(w.day).toBe("2026-12-31");
    expect(w.month).toBe("2026-12");
    expect(w.dayStart).toBe(Date.UTC(2026, 11, 31));
    expect(w.nextDayStart).toBe(Date.UTC(2027, 0, 1));
    expect(w.nextMonthStart).toBe(Date.UTC(2027, 0, 1));
  });

  it("reads an empty or unreadable setting as no limit, and 0 as a limit", () => {
    expect(parseLimit("")).toBeNull();
    expect(parseLimit(undefined)).toBeNull();
    expect(parseLimit("ten")).toBeNull();
    expect(parseLimit("-1")).toBeNull();
    expect(parseLimit("0")).toBe(0);
    expect(parseLimit("0.05")).toBe(0.05);
  });

  it("warns at 80 % and holds the fleet at 100 % of the first spent window", () => {
    expect(budgetState({ dailyUsd: 1, monthlyUsd: null }, { todayUsd: 0.79, monthUsd: 5 })).toMatchObject({ over: null, warn: [] });
    expect(budgetState({ dailyUsd: 1, monthlyUsd: null }, { todayUsd: 0.8, monthUsd: 5 })).toMatchObject({ over: null, warn: ["daily"] });
    expect(budgetState({ dailyUsd: 1, monthlyUsd: 4 }, { todayUsd: 1, monthUsd: 5 })).toMatchObject({ over: { window: "daily", limitUsd: 1, spentUsd: 1 }, warn: ["daily", "monthly"] });
    expect(budgetState({ dailyUsd: 10, monthlyUsd: 4 }, { todayUsd: 1, monthUsd: 5 }).over?.window).toBe("monthly");
  });

  it("reaches 80 % and 100 % on sums of cents despite float drift", () => {
    expect(budgetState({ dailyUsd: 0.05, monthlyUsd: null }, { todayUsd: 0.02 + 0.02, monthUsd: 0 }).warn).toEqual(["daily"]);
    expect(budgetState({ dailyUsd: 0.3, monthlyUsd: null }, { todayUsd: 0.1 + 0.2 - 1e-12, monthUsd: 0 }).over?.window).toBe("daily");
  });

  it("holds nothing without limits", () => {
    expect(budgetState({ dailyUsd: null, monthlyUsd: null }, { todayUsd: 1_000, monthUsd: 1_000 })).toMatchObject({ over: null, warn: [] });
  });

  it("holds a running task for the kill switch first, then for the budget unless it runs anyway", () => {
    const exempt = new Set(["t2"]);
    expect(holdFor("t1", { paused: true, over: false, exempt })).toBe("fleet");
    expect(holdFor("t2", { paused: true, over: true, exempt })).toBe("fleet");
    expect(holdFor("t1", { paused: false, over: true, exempt })).toBe("budget");
    expect(holdFor("t2", { paused: false, over: true, exempt })).toBeNull();
    expect(holdFor("t1", { paused: false, over: false, exempt })).toBeNull();
  });

  it("tells a waiting task what an admin can do about the budget", () => {
    const reason = overBudgetReason({ window: "daily", limitUsd: 0.05, spentUsd: 0.06 }, "t1");
    expect(reason).toContain("daily budget of $0.05 is spent ($0.06 today (UTC))");
    expect(reason).toContain("PUT /api/spend/budget");
    expect(reason).toContain("POST /api/tasks/t1/run-anyway");
  });
});
