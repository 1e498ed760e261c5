import { describe, expect, it } from "vitest";
import { lastToolResult, text, toolsetCall, type StepContext } from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const setup = scriptedRunner();

describe("taking over", () => {
  it("holds the agent while a person has the desktop, skips the actions planned for the old screen, and shows the model the note and a fresh screenshot", async () => {
    const ctx = new RecordingContext({ id: "tsk_takeover0001", prompt: "Fill the form." });
    let sawHandBack = "";
    const { server, runner } = await setup({
      script: [
        // The model plans a click; the person takes over before it runs.
        (c: StepContext) => {
          ctx.takeOver();
          setTimeout(() => ctx.handBack("I solved the captcha for you."), 300);
          void c;
          return toolsetCall("left_click", { coordinate: [10, 10] });
        },
        (c: StepContext) => {
          sawHandBack = c.lastUserText();
          return text(`Continuing: ${lastToolResult(c.body)?.isError ? "my click was skipped" : "my click ran"}.`);
        },
      ],
    });
    const started = Date.now();
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(outcome).toEqual({ status: "completed", result: "Continuing: my click was skipped." });
    expect(sawHandBack).toMatch(/took over the desktop and has handed it back to you with this note: I solved the captcha for you\./);
    expect(server.requests[1]!.imageCount).toBeGreaterThanOrEqual(1);
    expect(ctx.of("action").map((a) => a["name"])).not.toContain("left_click");
  });
});
