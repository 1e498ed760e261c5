import { describe, expect, it } from "vitest";
import { decideLearning, type LearningSchedule } from "./learning-policy.ts";

type T = Parameters<typeof decideLearning>[0];
const run = (over: Partial<T> = {}): T => ({ status: "completed", source: "scheduler", scheduleId: "sch_0000000001aa", sourceMeta: { promptVersion: 3 }, ...over });
const schedule = (over: Partial<LearningSchedule> = {}): LearningSchedule => ({ selfLearning: true, learningRuns: 0, maxLearningRuns: 2, promptVersion: 3, ...over });

describe("the learning decision", () => {
  it("learns from a completed scheduled run with self-learning on", () => {
    expect(decideLearning(run(), schedule())).toEqual({ learn: true, promptVersion: 3 });
  });

  it("does not learn from failed or cancelled runs", () => {
    expect(decideLearning(run({ status: "failed" }), schedule())).toMatchObject({ learn: false, reason: "not_completed" });
    expect(decideLearning(run({ status: "cancelled" }), schedule())).toMatchObject({ learn: false, reason: "not_completed" });
  });

  it("does not learn from tasks without a schedule", () => {
    expect(decideLearning(run({ scheduleId: null, source: "api" }), null)).toMatchObject({ learn: false, reason: "not_scheduled" });
  });

  it("never learns from a healer or optimizer task", () => {
    expect(decideLearning(run({ source: "optimizer" }), schedule())).toMatchObject({ learn: false, reason: "supervisor_task" });
    expect(decideLearning(run({ source: "healer" }), schedule())).toMatchObject({ learn: false, reason: "supervisor_task" });
  });

  it("does nothing when self-learning is off", () => {
    expect(decideLearning(run(), schedule({ selfLearning: false }))).toMatchObject({ learn: false, reason: "off" });
  });

  it("stops at the schedule's maximum number of learning runs", () => {
    expect(decideLearning(run(), schedule({ learningRuns: 1 }))).toMatchObject({ learn: true });
    expect(decideLearning(run(), schedule({ learningRuns: 2 }))).toMatchObject({ learn: false, reason: "max_learning_runs" });
  });

  it("skips a run whose prompt is no longer the schedule's current one", () => {
    expect(decideLearning(run({ sourceMeta: { promptVersion: 2 } }), schedule())).toMatchObject({ learn: false, reason: "prompt_changed" });
  });
});
