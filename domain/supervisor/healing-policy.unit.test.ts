import { describe, expect, it } from "vitest";
import type { Task } from "@deskfleet/protocol";
import { decideHealing, maxHealingRetries, selfHealingDefault } from "./healing-policy.ts";

type T = Parameters<typeof decideHealing>[0]["task"];
const failed = (over: Partial<T> = {}): T => ({
  id: "tsk_0000000001aaaa",
  status: "failed",
  source: "api",
  options: {},
  retryNumber: 0,
  originalTaskId: null,
  error: { code: "failed", message: "the button was not there" },
  ...over,
});
const decide = (task: T, scheduleSelfHealing: boolean | null = null, env: Record<string, string> = {}) => decideHealing({ task, scheduleSelfHealing, env });

describe("the healing decision", () => {
  it("heals a failed task by default, as retry 1 of a chain rooted at the task", () => {
    expect(decide(failed())).toEqual({ heal: true, rootTaskId: "tsk_0000000001aaaa", nextRetryNumber: 1 });
  });

  it("keeps the chain's first task as the root for a failed retry", () => {
    expect(decide(failed({ id: "tsk_0000000002bbbb", originalTaskId: "tsk_0000000001aaaa", retryNumber: 1 }))).toEqual({
      heal: true,
      rootTaskId: "tsk_0000000001aaaa",
      nextRetryNumber: 2,
    });
  });

  it("never heals a cancelled or completed task", () => {
    expect(decide(failed({ status: "cancelled" }))).toMatchObject({ heal: false, reason: "not_failed" });
    expect(decide(failed({ status: "completed" }))).toMatchObject({ heal: false, reason: "not_failed" });
  });

  it("never heals a healer or optimizer task, even with every flag on", () => {
    for (const source of ["healer", "optimizer"] as Task["source"][]) {
      expect(decide(failed({ source, options: { selfHealing: true } }), true, { DESKFLEET_SELF_HEALING: "true" })).toMatchObject({ heal: false, reason: "supervisor_task" });
    }
  });

  it("lets the task's flag win over the schedule's and the default", () => {
    expect(decide(failed({ options: { selfHealing: false } }), true)).toMatchObject({ heal: false, reason: "disabled_by_task" });
    expect(decide(failed({ options: { selfHealing: true } }), false, { DESKFLEET_SELF_HEALING: "false" })).toMatchObject({ heal: true });
  });

  it("lets the schedule's flag win over the default when the task has none", () => {
    expect(decide(failed(), false)).toMatchObject({ heal: false, reason: "disabled_by_schedule" });
    expect(decide(failed(), true, { DESKFLEET_SELF_HEALING: "off" })).toMatchObject({ heal: true });
  });

  it("follows DESKFLEET_SELF_HEALING when neither the task nor the schedule says", () => {
    expect(decide(failed(), null, { DESKFLEET_SELF_HEALING: "false" })).toMatchObject({ heal: false, reason: "disabled_by_default" });
    expect(decide(failed(), null, { DESKFLEET_SELF_HEALING: "true" })).toMatchObject({ heal: true });
  });

  it("stops the chain once its retries reach DESKFLEET_SELF_HEALING_MAX_RETRIES (default 2)", () => {
    expect(decide(failed({ retryNumber: 1 }))).toMatchObject({ heal: true, nextRetryNumber: 2 });
    expect(decide(failed({ retryNumber: 2 }))).toMatchObject({ heal: false, reason: "max_retries" });
    expect(decide(failed({ retryNumber: 2 }), null, { DESKFLEET_SELF_HEALING_MAX_RETRIES: "3" })).toMatchObject({ heal: true, nextRetryNumber: 3 });
    expect(decide(failed(), null, { DESKFLEET_SELF_HEALING_MAX_RETRIES: "0" })).toMatchObject({ heal: false, reason: "max_retries" });
  });

  it("reads the environment leniently: unknown words keep healing on, a bad maximum falls back to 2", () => {
    expect(selfHealingDefault(undefined)).toBe(true);
    expect(selfHealingDefault("")).toBe(true);
    expect(selfHealingDefault(" No ")).toBe(false);
    expect(selfHealingDefault("0")).toBe(false);
    expect(maxHealingRetries("-1")).toBe(2);
    expect(maxHealingRetries("1.5")).toBe(2);
    expect(maxHealingRetries("abc")).toBe(2);
    expect(maxHealingRetries(" 5 ")).toBe(5);
  });
});
