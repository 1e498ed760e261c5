import { describe, expect, it } from "vitest";
import { firstUserText, lastToolResult, text, toolUse, toolsetCall, type StepContext } from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const setup = scriptedRunner();
const PASSWORD = "correct-horse-battery";
const CODE = "492039";
const GITHUB = { name: "github", kind: "password" as const, description: "GitHub login for ada" };

const toolNames = (body: unknown) => ((body as { tools: { name?: string }[] }).tools ?? []).map((t) => t.name);

describe("type_secret", () => {
  it("types a secret the model names, and the value reaches neither the model nor an event", async () => {
    const { server, screen, runner } = await setup({ script: [
      toolUse("type_secret", { name: "github", field: "password" }),
      (c: StepContext) => text(`Result: ${c.lastToolResult()?.text ?? "?"}`),
    ] });
    const ctx = new RecordingContext({ id: "tsk_secret000001", prompt: "Log in to GitHub.", secrets: [GITHUB] });
    ctx.secrets.set("github", PASSWORD);
    const outcome = await runner.run(ctx);
    server.assertNoRejections();

    expect(screen.typedText()).toBe(PASSWORD);
    expect(outcome).toEqual({ status: "completed", result: "Result: Typed secret `github` (21 characters) into password; the screen changed." });
    const first = server.requests[0]!.body as { tools: { name: string; description?: string }[] };
    expect(first.tools.find((t) => t.name === "type_secret")?.description).toContain("`github` (password): GitHub login for ada");
    for (const r of server.requests) expect(JSON.stringify(r.body)).not.toContain(PASSWORD);
    expect(ctx.of("secret_typed")).toEqual([{ name: "github", source: "vault", characters: 21, field: "password", step: 1 }]);
    expect(ctx.of("action")).toEqual([{ name: "type_secret", input: { name: "github", field: "password" }, step: 1 }]);
    expect(JSON.stringify(ctx.events)).not.toContain(PASSWORD);
  });

  it("answers a name that is not in scope with the names that are, and types nothing", async () => {
    const { server, screen, runner } = await setup({ script: [toolUse("type_secret", { name: "gitlab" }), text("ok")] });
    const ctx = new RecordingContext({ id: "tsk_secret000002", prompt: "Log in.", secrets: [GITHUB] });
    ctx.secrets.set("github", PASSWORD);
    await runner.run(ctx);
    const result = lastToolResult(server.requests[1]!.body);
    expect(result?.isError).toBe(true);
    expect(result?.text).toBe("Nothing was typed: no secret named `gitlab` is available here. Secrets you can type: `github`.");
    expect(screen.typedText()).toBe("");
    expect(ctx.of("secret_typed")).toEqual([]);
  });

  it("never expands a {{secret:name}} placeholder into what the model reads", async () => {
    const { server, runner } = await setup({ script: [text("done")] });
    const ctx = new RecordingContext({ id: "tsk_secret000003", prompt: "Sign in with password {{secret:github}}.", secrets: [GITHUB] });
    ctx.secrets.set("github", PASSWORD);
    await runner.run(ctx);
    expect(firstUserText(server.requests[0]!.body)).toContain('Sign in with password [secret `github`: type it with type_secret {"name": "github"}].');
    expect(ctx.secretRequests).toEqual([]);
  });
});

describe("secret questions", () => {
  it("offers type_secret from a secret answer on, and the model types the answer by name without seeing it", async () => {
    const { server, screen, runner } = await setup({ script: [
      toolsetCall("left_click", { coordinate: [100, 100] }),
      toolUse("ask_human", { question: "What is the code sent to your phone?", secret: true }),
      (c: StepContext) => toolUse("type_secret", { name: /"name": "(answer:[^"]+)"/.exec(c.lastToolResult()?.text ?? "")?.[1] ?? "?" }),
      text("Entered the code."),
    ] });
    const ctx = new RecordingContext({ id: "tsk_secret000004", prompt: "Finish the login." });
    ctx.answer = async () => {
      ctx.secrets.set("answer:1a2b3c4d", CODE);
      return { status: "answered_secretly", answer: null, name: "answer:1a2b3c4d", characters: CODE.length };
    };
    const outcome = await runner.run(ctx);
    server.assertNoRejections();

    expect(ctx.questions).toEqual([{ question: "What is the code sent to your phone?", secret: true }]);
    expect(toolNames(server.requests[0]!.body)).not.toContain("type_secret");
    expect(toolNames(server.requests[2]!.body)).toContain("type_secret");
    expect(lastToolResult(server.requests[2]!.body)?.text).toBe('The person answered privately (6 characters). You cannot see the answer: type it where it is needed with type_secret {"name": "answer:1a2b3c4d"}.');
    expect(screen.typedText()).toBe(CODE);
    expect(outcome).toEqual({ status: "completed", result: "Entered the code." });
    for (const r of server.requests) expect(JSON.stringify(r.body)).not.toContain(CODE);
  });
});
