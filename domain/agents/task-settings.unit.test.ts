import { describe, expect, it } from "vitest";
import { settleTaskSettings, toolsAtStart, type AgentDefaults } from "./task-settings.ts";

const AGENT: AgentDefaults = {
  name: "accounting",
  model: "claude-opus-4-5",
  tools: ["computer", "memory"],
  targetDesktopId: null,
  targetLabels: ["office"],
  maxSteps: 50,
  budgetUsd: 2,
  selfHealing: false,
  continueFrom: "last",
};

const req = (options = {}, target: { desktopId?: string; labels?: string[] } = {}) => ({ desktopId: target.desktopId ?? null, labels: target.labels ?? [], options });

describe("a task's settings under its agent", () => {
  it("takes the agent's settings as defaults", () => {
    expect(settleTaskSettings(AGENT, req())).toEqual({
      ok: true,
      desktopId: null,
      labels: ["office"],
      options: { tools: ["computer", "memory"], model: "claude-opus-4-5", maxSteps: 50, budgetUsd: 2, selfHealing: false, continueFrom: "last" },
    });
  });

  it("lets a task narrow its tools, steps and budget, and pick its own desktop", () => {
    const s = settleTaskSettings(AGENT, req({ tools: ["computer"], maxSteps: 10, budgetUsd: 0.5 }, { desktopId: "vm-1" }));
    expect(s).toMatchObject({ ok: true, desktopId: "vm-1", labels: [], options: { tools: ["computer"], maxSteps: 10, budgetUsd: 0.5 } });
  });

  it("refuses a task that grants a tool its agent lacks", () => {
    expect(settleTaskSettings(AGENT, req({ tools: ["computer", "ask_human"] }))).toEqual({
      ok: false,
      code: "tool_not_allowed",
      message: "agent `accounting` may use computer, memory; a task cannot add ask_human (change the agent's tools, or run without it)",
    });
  });

  it("refuses more steps or money than the agent allows", () => {
    expect(settleTaskSettings(AGENT, req({ maxSteps: 51 }))).toMatchObject({ ok: false, code: "limit_too_high" });
    expect(settleTaskSettings(AGENT, req({ budgetUsd: 2.01 }))).toMatchObject({ ok: false, code: "limit_too_high" });
  });

  it("takes a tool list without the computer as the screen plus those tools, and still refuses a tool the agent lacks", () => {
    expect(settleTaskSettings(null, req({ tools: ["shell"] }))).toMatchObject({ ok: true, options: { tools: ["shell"] } });
    expect(settleTaskSettings(AGENT, req({ tools: ["memory"] }))).toMatchObject({ ok: true, options: { tools: ["memory"] } });
    expect(settleTaskSettings(AGENT, req({ tools: ["shell"] }))).toMatchObject({ ok: false, code: "tool_not_allowed" });
  });

  it("leaves a task without an agent as it was asked", () => {
    expect(settleTaskSettings(null, req({ maxSteps: 500 }, { labels: ["x"] }))).toEqual({ ok: true, desktopId: null, labels: ["x"], options: { maxSteps: 500 } });
  });
});

describe("the tools a task may use when it starts", () => {
  it("cuts the task's tools to what its agent allows now", () => {
    expect(toolsAtStart(["computer", "ask_human", "memory"], ["computer", "memory"])).toEqual(["computer", "memory"]);
    expect(toolsAtStart(undefined, ["computer", "ask_human"])).toEqual(["computer", "ask_human"]);
  });

  it("leaves a task without an agent to its own list, or every tool", () => {
    expect(toolsAtStart(["computer"], null)).toEqual(["computer"]);
    expect(toolsAtStart(undefined, null)).toBeUndefined();
  });
});
