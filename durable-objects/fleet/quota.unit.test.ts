import { describe, expect, it } from "vitest";
import { hasSpendQuotas, parseQuotas, quotaOf, spendQuotaReason, withinQuotas } from "./quota.ts";
import type { QueueEntry } from "./dispatch.ts";

const task = (taskId: string, owner: string | null, ownerRole: string | null = "operator"): QueueEntry => ({ taskId, priority: 0, createdAt: 0, desktopId: null, labels: [], owner, ownerRole });

describe("quotas", () => {
  it("reads role and identity rules, and reports a malformed one instead of guessing", () => {
    const { quotas, problems } = parseQuotas("operator:concurrent=2,daily=50; access:bob@x.com:concurrent=1; viewer:often=3; nonsense");
    expect(quotas.byRole.get("operator")).toEqual({ concurrent: 2, daily: 50, usd: null });
    expect(quotas.byIdentity.get("access:bob@x.com")).toEqual({ concurrent: 1, daily: null, usd: null });
    expect(quotas.byRole.has("viewer")).toBe(false);
    expect(problems).toHaveLength(2);
  });

  it("queues an operator's third task while two of theirs run or start", () => {
    const { quotas } = parseQuotas("operator:concurrent=2");
    const out = withinQuotas([task("a", "token:op1"), task("b", "token:op1"), task("c", "token:op1"), task("d", "token:op2")], quotas, () => ({ running: 0, startedToday: 0, spentTodayUsd: 0 }));
    expect(out.allowed.map((e) => e.taskId)).toEqual(["a", "b", "d"]);
    expect(out.waiting.get("c")).toContain("token:op1 may run 2 tasks at once");
  });

  it("counts what an owner already runs and started today, and lets an identity's own rule win over its role's", () => {
    const { quotas } = parseQuotas("operator:concurrent=5,daily=3;token:vip:concurrent=9");
    const use = (owner: string) => (owner === "token:op1" ? { running: 1, startedToday: 3, spentTodayUsd: 0 } : { running: 4, startedToday: 40, spentTodayUsd: 0 });
    const out = withinQuotas([task("a", "token:op1"), task("b", "token:vip")], quotas, use);
    expect(out.allowed.map((e) => e.taskId)).toEqual(["b"]);
    expect(out.waiting.get("a")).toContain("may start 3 tasks a day");
  });

  it("never holds a task without an owner (a schedule's run, a healer's retry)", () => {
    const { quotas } = parseQuotas("operator:concurrent=0");
    expect(withinQuotas([task("s", null, null)], quotas, () => ({ running: 9, startedToday: 9, spentTodayUsd: 99 })).allowed).toHaveLength(1);
  });

  it("reads dollars a day (usd=D, decimals allowed) beside counts, and refuses a malformed amount", () => {
    const { quotas, problems } = parseQuotas("operator:usd=2.50,concurrent=3; token:cheap:usd=0.1; admin:usd=lots");
    expect(quotas.byRole.get("operator")).toEqual({ concurrent: 3, daily: null, usd: 2.5 });
    expect(quotas.byIdentity.get("token:cheap")).toEqual({ concurrent: null, daily: null, usd: 0.1 });
    expect(problems).toEqual([expect.stringContaining("usd=D")]);
    expect(hasSpendQuotas(quotas)).toBe(true);
    expect(hasSpendQuotas(parseQuotas("operator:concurrent=2").quotas)).toBe(false);
  });

  it("holds an owner's new tasks once their tasks spent their dollars today, and lets others and tasks run anyway start", () => {
    const { quotas } = parseQuotas("operator:usd=1");
    const use = (owner: string) => ({ running: 0, startedToday: 0, spentTodayUsd: owner === "token:spender" ? 1.0000000001 : 0.99 });
    const out = withinQuotas([task("a", "token:spender"), task("b", "token:saver"), task("c", "token:spender")], quotas, use, new Set(["c"]));
    expect(out.allowed.map((e) => e.taskId)).toEqual(["b", "c"]);
    expect(out.waiting.get("a")).toBe("quota: token:spender may spend $1.00 a day on model calls (DESKFLEET_QUOTAS) and their tasks spent $1.00 today (UTC); their tasks go on after midnight UTC, when an admin raises the quota, or runs one anyway");
  });

  it("counts cents summed as floats as spent at the limit, and says nothing under it", () => {
    const quota = quotaOf(parseQuotas("operator:usd=0.06").quotas, "token:x", "operator");
    expect(spendQuotaReason(quota, "token:x", 0.02 + 0.02 + 0.02)).toContain("may spend $0.06 a day");
    expect(spendQuotaReason(quota, "token:x", 0.05)).toBeNull();
    expect(spendQuotaReason(null, "token:x", 100)).toBeNull();
  });
});
