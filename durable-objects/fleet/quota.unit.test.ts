import { describe, expect, it } from "vitest";
import { parseQuotas, withinQuotas } from "./quota.ts";
import type { QueueEntry } from "./dispatch.ts";

const task = (taskId: string, owner: string | null, ownerRole: string | null = "operator"): QueueEntry => ({ taskId, priority: 0, createdAt: 0, desktopId: null, labels: [], owner, ownerRole });

describe("quotas", () => {
  it("reads role and identity rules, and reports a malformed one instead of guessing", () => {
    const { quotas, problems } = parseQuotas("operator:concurrent=2,daily=50; access:bob@x.com:concurrent=1; viewer:often=3; nonsense");
    expect(quotas.byRole.get("operator")).toEqual({ concurrent: 2, daily: 50 });
    expect(quotas.byIdentity.get("access:bob@x.com")).toEqual({ concurrent: 1, daily: null });
    expect(quotas.byRole.has("viewer")).toBe(false);
    expect(problems).toHaveLength(2);
  });

  it("queues an operator's third task while two of theirs run or start", () => {
    const { quotas } = parseQuotas("operator:concurrent=2");
    const out = withinQuotas([task("a", "token:op1"), task("b", "token:op1"), task("c", "token:op1"), task("d", "token:op2")], quotas, () => ({ running: 0, startedToday: 0 }));
    expect(out.allowed.map((e) => e.taskId)).toEqual(["a", "b", "d"]);
    expect(out.waiting.get("c")).toContain("token:op1 may run 2 tasks at once");
  });

  it("counts what an owner already runs and started today, and lets an identity's own rule win over its role's", () => {
    const { quotas } = parseQuotas("operator:concurrent=5,daily=3;token:vip:concurrent=9");
    const use = (owner: string) => (owner === "token:op1" ? { running: 1, startedToday: 3 } : { running: 4, startedToday: 40 });
    const out = withinQuotas([task("a", "token:op1"), task("b", "token:vip")], quotas, use);
    expect(out.allowed.map((e) => e.taskId)).toEqual(["b"]);
    expect(out.waiting.get("a")).toContain("may start 3 tasks a day");
  });

  it("never holds a task without an owner (a schedule's run, a healer's retry)", () => {
    const { quotas } = parseQuotas("operator:concurrent=0");
    expect(withinQuotas([task("s", null, null)], quotas, () => ({ running: 9, startedToday: 9 })).allowed).toHaveLength(1);
  });
});
