import { describe, expect, it } from "vitest";
import {
  computerAction, lastToolResult, lastUserText, text, toolUse, toolsetCall, type StepContext,
} from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const setup = scriptedRunner();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ask_human", () => {
  it("asks the person through the task context and gives the model their answer", async () => {
    const { server, runner } = await setup({ script: [
      toolUse("ask_human", { question: "Which account?", options: ["work", "home"] }),
      (c: StepContext) => text(`Using ${c.lastToolResult()?.text ?? "?"}`),
    ] });
    const ctx = new RecordingContext({ id: "tsk_human000001", prompt: "Log in." });
    ctx.answer = async () => ({ status: "answered", answer: "work" });
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(ctx.questions).toEqual([{ question: "Which account?", options: ["work", "home"] }]);
    expect(outcome).toEqual({ status: "completed", result: "Using The person answered: work" });
  });

  it("tells the model to proceed with its best judgment when nobody answers in time", async () => {
    const { server, runner } = await setup({ script: [toolUse("ask_human", { question: "Proceed?" }), text("Proceeding.")] }, { helpTimeoutMs: 100 });
    const ctx = new RecordingContext({ id: "tsk_human000002", prompt: "Decide." });
    ctx.answer = () => new Promise(() => undefined); // a help request that never resolves
    const outcome = await runner.run(ctx);
    expect(outcome).toEqual({ status: "completed", result: "Proceeding." });
    expect(lastToolResult(server.requests[1]!.body)?.text).toMatch(/best judgment/);
  });

  it("tells the model why nobody was asked when the control plane says (the task reached its limit of questions)", async () => {
    const { server, runner } = await setup({ script: [toolUse("ask_human", { question: "One more?" }), text("Going on alone.")] });
    const ctx = new RecordingContext({ id: "tsk_human000004", prompt: "Decide." });
    ctx.answer = async () => ({ status: "dismissed", answer: null, note: "this task already asked people 20 questions, its limit; nobody was asked this one" });
    const outcome = await runner.run(ctx);
    expect(outcome).toEqual({ status: "completed", result: "Going on alone." });
    expect(lastToolResult(server.requests[1]!.body)?.text).toBe(
      "Nobody was asked: this task already asked people 20 questions, its limit; nobody was asked this one. Proceed with your best judgment without asking again; if you cannot continue safely, stop and explain why.",
    );
  });

  it("passes the runtime's own timeout on to the model the same way", async () => {
    const { server, runner } = await setup({ script: [toolUse("ask_human", { question: "Proceed?" }), text("ok")] });
    const ctx = new RecordingContext({ id: "tsk_human000003", prompt: "Decide." });
    const outcome = await runner.run(ctx); // RecordingContext answers timed_out by default
    expect(outcome.status).toBe("completed");
    expect(lastToolResult(server.requests[1]!.body)?.text).toMatch(/Nobody answered in time/);
  });
});

describe("cancellation", () => {
  it("aborts the in-flight model call and returns within 2 s, releasing a held mouse button", async () => {
    let release: () => void = () => undefined;
    const { screen, runner } = await setup({ script: [
      toolsetCall("left_mouse_down"),
      () => new Promise((resolve) => { release = () => resolve(text("too late")); }),
    ] });
    const ctx = new RecordingContext({ id: "tsk_cancel00001", prompt: "Hold." });
    const running = runner.run(ctx);
    while (screen.buttons === 0) await sleep(5);
    await sleep(50);
    const t0 = performance.now();
    ctx.controller.abort();
    const outcome = await running;
    const elapsed = performance.now() - t0;
    release();
    expect(outcome).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(elapsed).toBeLessThan(2000);
    expect(screen.buttons).toBe(0);
  });

  it("cuts a long hold_key short and releases the key", async () => {
    const { screen, runner } = await setup({ script: [toolsetCall("hold_key", { text: "shift", duration: 25 }), text("never")] });
    const ctx = new RecordingContext({ id: "tsk_cancel00002", prompt: "Hold shift." });
    const running = runner.run(ctx);
    while (screen.keysDown.size === 0) await sleep(5);
    const t0 = performance.now();
    ctx.controller.abort();
    const outcome = await running;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(screen.keysDown.size).toBe(0);
  });
});

describe("falling back to the beta computer tool", () => {
  it("switches to computer_20251124 with its beta header when the API rejects the GA toolset, and stays there", async () => {
    const { server, screen, runner } = await setup({
      computerToolset: false,
      script: [
        computerAction("left_click", { coordinate: [683, 384] }),
        computerAction("zoom", { region: [0, 0, 100, 100] }),
        text("Clicked with the beta tool."),
        text("Second task, beta from the start."),
      ],
    });
    const ctx = new RecordingContext({ id: "tsk_beta0000001", prompt: "Click." });
    const outcome = await runner.run(ctx);
    expect(outcome).toEqual({ status: "completed", result: "Clicked with the beta tool." });
    expect(server.rejections).toHaveLength(1);
    expect(server.rejections[0]!.error.error.message).toContain("computer_toolset_20260801");
    expect(server.requests.every((r) => r.betas.includes("computer-use-2025-11-24"))).toBe(true);
    const tools = server.requests[0]!.body["tools"] as { type?: string }[];
    expect(tools[0]!.type).toBe("computer_20251124");
    expect(screen.presses()[0]).toMatchObject({ x: 960, y: 540 });
    expect(ctx.of("action").map((a) => a["name"])).toEqual(["left_click", "zoom"]);
    expect(ctx.of("log").some((l) => String(l["message"]).includes("beta computer_20251124"))).toBe(true);

    await runner.run(new RecordingContext({ id: "tsk_beta0000002", prompt: "Again." }));
    expect(server.rejections).toHaveLength(1);
  });

  it("uses the beta tool from the start when configured to", async () => {
    const { server, runner } = await setup({ script: [text("ok")] }, { computerTool: "beta" });
    await runner.run(new RecordingContext({ id: "tsk_beta0000003", prompt: "Hi." }));
    expect(server.rejections).toHaveLength(0);
    expect(server.requests[0]!.betas).toEqual(["computer-use-2025-11-24"]);
  });
});

describe("follow-up messages", () => {
  it("adds a follow-up that arrives mid-task to the next turn", async () => {
    let ctxRef: RecordingContext | undefined;
    const { server, runner } = await setup({ script: [
      () => { ctxRef!.sendFollowUp("Also check the footer."); return toolsetCall("mouse_move", { coordinate: [5, 5] }); },
      (c: StepContext) => text(c.lastUserText().includes("Also check the footer.") ? "Saw the follow-up." : "Missed it."),
    ] });
    ctxRef = new RecordingContext({ id: "tsk_follow00001", prompt: "Look." });
    const outcome = await runner.run(ctxRef);
    server.assertNoRejections();
    expect(outcome).toEqual({ status: "completed", result: "Saw the follow-up." });
  });

  it("continues the same conversation when a finished task is resumed with a follow-up", async () => {
    const { server, runner } = await setup({ script: [
      text("First answer."),
      (c: StepContext) => {
        const messages = c.body["messages"] as unknown[];
        return text(`Turns: ${messages.length}; last: ${c.lastUserText()}`);
      },
    ] });
    await runner.run(new RecordingContext({ id: "tsk_follow00002", prompt: "Start." }));
    const outcome = await runner.run(new RecordingContext({
      id: "tsk_follow00002", prompt: "Start.", resume: true, followUps: [{ id: "fu_1", text: "Now the second part.", at: 1 }],
    }));
    server.assertNoRejections();
    expect(outcome).toEqual({ status: "completed", result: "Turns: 3; last: Now the second part." });
    expect(lastUserText(server.requests[1]!.body)).toBe("Now the second part.");
  });
});
