import { describe, expect, it } from "vitest";
import {
  lastUserText, overloaded, text, toolsetCall, type ScriptedAnthropic,
} from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const setup = scriptedRunner();

const lastUserOf = (s: ScriptedAnthropic, i: number) => lastUserText(s.requests[i]!.body) + JSON.stringify(s.requests[i]!.body["messages"]).slice(-600);

describe("limits that stop a task", () => {
  it("counts what earlier runs of a resumed task spent against its budget", async () => {
    const { server, runner } = await setup({ script: [text("never asked")] });
    const ctx = new RecordingContext({ id: "tsk_budget00002", prompt: "Spend more.", options: { budgetUsd: 0.5 }, resume: true, spent: { costUsd: 0.5 } });
    const outcome = await runner.run(ctx);
    expect(outcome.status === "failed" && outcome.error.code).toBe("budget_exceeded");
    expect(outcome.status === "failed" && outcome.error.message).toMatch(/\$0\.5000 of its \$0\.50 budget/);
    expect(server.requests).toHaveLength(0);
  });

  it("counts the steps earlier runs took, even on a host that no longer has the conversation", async () => {
    const { server, runner } = await setup({ script: [toolsetCall("mouse_move", { coordinate: [10, 10] }), text("never asked")] });
    const ctx = new RecordingContext({ id: "tsk_steps000002", prompt: "Wander on.", options: { maxSteps: 5 }, resume: true, spent: { costUsd: 0, steps: 4 } });
    const outcome = await runner.run(ctx);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "max_steps", message: expect.stringMatching(/after 5 steps/) } });
    expect(server.requests).toHaveLength(1);
    expect(ctx.events.filter((e) => e.kind === "usage").map((e) => e.data["step"])).toEqual([5]);
  });

  it("stops with budget_exceeded once the task's budget is spent, without acting on the last reply", async () => {
    const { server, screen, runner } = await setup({ script: [toolsetCall("left_click", { coordinate: [10, 10] }), text("never")] });
    const ctx = new RecordingContext({ id: "tsk_budget00001", prompt: "Spend.", options: { budgetUsd: 0.001 } });
    const outcome = await runner.run(ctx);
    expect(outcome.status).toBe("failed");
    expect(outcome.status === "failed" && outcome.error.code).toBe("budget_exceeded");
    expect(outcome.status === "failed" && outcome.error.message).toMatch(/of its \$0\.00 budget|budget/);
    expect(server.requests).toHaveLength(1);
    expect(screen.presses()).toHaveLength(0);
  });

  it("stops with max_steps after the task's step limit", async () => {
    const { server, runner } = await setup({ script: [
      toolsetCall("mouse_move", { coordinate: [10, 10] }),
      toolsetCall("mouse_move", { coordinate: [20, 20] }),
      toolsetCall("mouse_move", { coordinate: [30, 30] }),
    ] });
    const ctx = new RecordingContext({ id: "tsk_steps000001", prompt: "Wander.", options: { maxSteps: 2 } });
    const outcome = await runner.run(ctx);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "max_steps" } });
    expect(server.requests).toHaveLength(2);
    server.assertNoRejections();
  });

  it("warns the model after the same click three times on an unchanged screen, then stops with stuck_in_loop", async () => {
    const click = () => toolsetCall("left_click", { coordinate: [500, 300] });
    const { server, runner } = await setup({ script: [click(), click(), click(), click(), click(), text("never")] });
    const ctx = new RecordingContext({ id: "tsk_loop0000001", prompt: "Click." });
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    // The first click changes the screen; clicks 2-4 see the same screen: the warning follows click 4.
    expect(lastUserOf(server, 3)).not.toContain("Loop warning");
    expect(lastUserOf(server, 4)).toContain("Loop warning");
    expect(outcome).toMatchObject({ status: "failed", error: { code: "stuck_in_loop" } });
    expect(server.requests).toHaveLength(5);
    expect(ctx.of("log").some((l) => String(l["message"]).startsWith("Loop warning"))).toBe(true);
  });

  it("lets a warned model recover by changing course", async () => {
    const move = (x: number) => toolsetCall("mouse_move", { coordinate: [x, 300] });
    const { server, runner } = await setup({ script: [move(1), move(2), move(1), move(2), toolsetCall("left_click", { coordinate: [50, 50] }), text("Recovered.")] });
    const outcome = await runner.run(new RecordingContext({ id: "tsk_loop0000002", prompt: "Hover." }));
    server.assertNoRejections();
    expect(lastUserOf(server, 4)).toContain("alternated between the same two actions");
    expect(outcome).toEqual({ status: "completed", result: "Recovered." });
  });

  it("stops an A/B ping-pong that persists after the warning", async () => {
    const move = (x: number) => toolsetCall("mouse_move", { coordinate: [x, 300] });
    const { runner } = await setup({ script: [move(1), move(2), move(1), move(2), move(1), text("never")] });
    const outcome = await runner.run(new RecordingContext({ id: "tsk_loop0000003", prompt: "Hover." }));
    expect(outcome).toMatchObject({ status: "failed", error: { code: "stuck_in_loop" } });
  });

  it("retries an overloaded (529) answer and carries on", async () => {
    const { server, runner } = await setup({ script: [overloaded({ headers: { "retry-after-ms": "5" } }), text("After the retry.")] });
    const outcome = await runner.run(new RecordingContext({ id: "tsk_retry000001", prompt: "Go." }));
    expect(outcome).toEqual({ status: "completed", result: "After the retry." });
    expect(server.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it("fails with model_error, not a crash, when retries are exhausted", async () => {
    const { runner } = await setup({ script: [overloaded({ headers: { "retry-after-ms": "1" } }), overloaded({ headers: { "retry-after-ms": "1" } })] }, { maxRetries: 1 });
    const outcome = await runner.run(new RecordingContext({ id: "tsk_retry000002", prompt: "Go." }));
    expect(outcome).toMatchObject({ status: "failed", error: { code: "model_error" } });
  });
});
