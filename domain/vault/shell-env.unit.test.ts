import { describe, expect, it } from "vitest";
import { envGrantProblem, type EnvTarget } from "./shell-env.ts";

const target = (over: Partial<EnvTarget> = {}): EnvTarget => ({ desktopId: null, desktopLabels: [], labels: [], scheduleId: null, ...over });

describe("whether a task's shell would be granted a secret wherever it may run", () => {
  it("grants a global secret to any task", () => {
    expect(envGrantProblem("gh", "global", target())).toBeNull();
  });

  it("grants a desktop- or label-limited secret to a task pinned to a desktop it covers, and refuses others", () => {
    expect(envGrantProblem("gh", { desktops: ["vm-1"] }, target({ desktopId: "vm-1" }))).toBeNull();
    expect(envGrantProblem("gh", { labels: ["ci"] }, target({ desktopId: "vm-2", desktopLabels: ["ci"] }))).toBeNull();
    expect(envGrantProblem("gh", { labels: ["ci"] }, target({ desktopId: "vm-2", desktopLabels: ["office"] }))).toMatch(/granted only on label ci, and desktop vm-2 is none of them/);
  });

  it("grants a label-limited secret to a labels target only through a shared label, since a desktop list cannot cover desktops added later", () => {
    expect(envGrantProblem("gh", { labels: ["ci"] }, target({ labels: ["ci", "linux"] }))).toBeNull();
    expect(envGrantProblem("gh", { desktops: ["vm-1"] }, target({ labels: ["ci"] }))).toMatch(/this task may run on any desktop labelled ci; target a desktop/);
    expect(envGrantProblem("gh", { labels: ["ci"] }, target())).toMatch(/this task may run on any desktop;/);
  });

  it("grants a schedule-limited secret only to that schedule's runs", () => {
    expect(envGrantProblem("gh", { schedules: ["sch_1"] }, target({ scheduleId: "sch_1" }))).toBeNull();
    expect(envGrantProblem("gh", { schedules: ["sch_1"] }, target({ scheduleId: "sch_2" }))).toMatch(/only to runs of schedule sch_1/);
    expect(envGrantProblem("gh", { schedules: ["sch_1"] }, target())).toMatch(/only to runs of schedule sch_1/);
  });
});
