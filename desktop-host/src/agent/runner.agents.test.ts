import { describe, expect, it } from "vitest";
import type { AgentProfile, AssignedTask } from "@deskfleet/protocol";
import { countImages, firstUserText, lastToolResult, makePng, systemText, text, toolsetCall, toolUse, type StepContext } from "../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "./testing/recording-context.ts";
import { scriptedRunner } from "./testing/scripted-runner.ts";

const setup = scriptedRunner();

const PROFILE: AgentProfile = {
  agent: { name: "shopper", instructions: "You buy office supplies for ACME. Never spend more than 50 EUR in one order." },
  skills: [{ name: "cookie-walls", description: "Getting past cookie consent walls", body: "Click the button that accepts all cookies; never configure them one by one." }],
  userProfile: "Ada runs the office. Time zone Europe/Berlin. She prefers invoices as PDF.",
};

/** Each tool's name; the GA computer toolset is "computer" (its members are the actions). */
const toolNames = (body: Record<string, unknown>) => (body["tools"] as { name?: string; type: string }[]).map((t) => t.name ?? (t.type.startsWith("computer_") ? "computer" : t.type));

describe("a task's agent profile on the host", () => {
  it("puts the agent's instructions, its skills and the user profile first in the system prompt, in that order, cached once and read on every later step", async () => {
    const long = { ...PROFILE, skills: [{ ...PROFILE.skills[0]!, body: `${PROFILE.skills[0]!.body}\n${"Look for the words Accept, Agree or OK. ".repeat(200)}` }] };
    const { server, runner } = await setup({ script: [toolsetCall("screenshot"), text("done")] });
    const outcome = await runner.run(new RecordingContext({ id: "tsk_agent0000001", prompt: "Order paper.", profile: long }));
    expect(outcome).toEqual({ status: "completed", result: "done" });
    server.assertNoRejections();
    const system = systemText(server.requests[0]!.body);
    const at = (s: string) => system.indexOf(s);
    expect(at("# Your role: shopper")).toBe(0);
    expect(at("You buy office supplies")).toBeLessThan(at("## cookie-walls: Getting past cookie consent walls"));
    expect(at("## cookie-walls")).toBeLessThan(at("# About the people you work for"));
    expect(at("Ada runs the office")).toBeLessThan(at("# The computer"));
    expect(at("# The computer")).toBeLessThan(at("You are operating a computer"));
    // The prefix is written by the first call and read by the second, at no new write cost for it.
    const [first, second] = server.requests.map((r) => r.usage!);
    expect(first!.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(second!.cache_read_input_tokens).toBeGreaterThanOrEqual(first!.cache_creation_input_tokens);
  });

  it("offers only the tools the task's agent allows", async () => {
    const { server, runner } = await setup({ script: [text("done")] });
    await runner.run(new RecordingContext({ id: "tsk_agent0000002", prompt: "Look.", tools: ["computer"] }, async () => ({ ok: true, kind: "search", memories: [] })));
    expect(toolNames(server.requests[0]!.body)).toEqual(["computer"]);
    expect(systemText(server.requests[0]!.body)).toMatch(/Nobody can be asked during this task/);
    expect(systemText(server.requests[0]!.body)).not.toMatch(/memory_search/);
  });

  it("refuses a forged call to a tool the agent lacks, tells the model, and asks nobody", async () => {
    const { server, runner } = await setup({
      script: [toolUse("ask_human", { question: "What is the password?" }, { forged: true }), (c: StepContext) => text(`told: ${c.lastToolResult()?.text ?? "nothing"}`)],
    });
    const ctx = new RecordingContext({ id: "tsk_agent0000003", prompt: "Log in.", tools: ["computer", "memory"] });
    const outcome = await runner.run(ctx);
    expect(ctx.questions).toEqual([]);
    const told = lastToolResult(server.requests[1]!.body);
    expect(told?.isError).toBe(true);
    expect(told?.text).toMatch(/^Refused: this task's agent may not use ask_human \(it may use computer, memory\)/);
    expect(outcome).toMatchObject({ status: "completed", result: expect.stringContaining("Refused") });
    expect(ctx.of("log")).toContainEqual({ level: "warn", message: "Refused a call to ask_human: this task's agent does not allow it; the model was told." });
    expect(ctx.of("action_result")).toContainEqual(expect.objectContaining({ ok: false, error: expect.stringContaining("Refused") }));
  });

  it("searches and saves memory through the control plane with its tools", async () => {
    const { server, runner } = await setup({
      script: [
        toolUse("memory_search", { query: "shop.example cookie wall" }),
        toolUse("memory_save", { collection: "sites", content: "shop.example keeps the basket at the top right." }),
        toolUse("memory_save", { collection: "sites", content: "x".repeat(4_001) }),
        (c: StepContext) => text(c.lastToolResult()?.text ?? ""),
      ],
    });
    const ctx = new RecordingContext({ id: "tsk_agent0000004", prompt: "Buy a mug." }, async (req) =>
      req.kind === "search"
        ? { ok: true, kind: "search", memories: [{ id: "mem_0000000000aaaa", collection: "errors", content: "shop.example: click Accept all on the cookie wall first." }] }
        : { ok: true, kind: "save", memory: { id: "mem_0000000000bbbb", collection: req.collection, content: req.content }, duplicate: false },
    );
    const outcome = await runner.run(ctx);
    server.assertNoRejections();
    expect(toolNames(server.requests[0]!.body)).toEqual(["computer", "ask_human", "memory_search", "memory_save"]);
    expect(lastToolResult(server.requests[1]!.body)?.text).toBe("[errors] shop.example: click Accept all on the cookie wall first.");
    expect(lastToolResult(server.requests[2]!.body)?.text).toBe("Saved to sites.");
    // Too long: refused on the host with the limit, never sent.
    expect(ctx.memoryRequests).toHaveLength(2);
    expect(outcome).toMatchObject({ status: "completed", result: expect.stringMatching(/content: a memory is at most 4000 characters/) });
  });
});

describe("what a task starts with", () => {
  const previous = (png: string | null): NonNullable<AssignedTask["briefing"]>["previous"] => ({
    taskId: "tsk_0000000000prev",
    prompt: "Put the blue mug in the basket on shop.example",
    status: "completed",
    result: "The blue mug is in the basket (1 item, 12 EUR).",
    error: null,
    finishedAt: Date.UTC(2026, 11, 1, 9, 30),
    screenshot: png === null ? null : { png, width: 1366, height: 768 },
  });

  it("opens with the memories that fit its prompt and the previous task's prompt, result and last screen", async () => {
    const { server, runner } = await setup({ script: [text("done")] });
    const old = Buffer.from(makePng(64, 48, { rgb: [200, 0, 0] })).toString("base64");
    await runner.run(
      new RecordingContext({
        id: "tsk_agent0000005",
        prompt: "Now check out.",
        briefing: { memories: [{ id: "mem_0000000000aaaa", collection: "errors", content: "shop.example: accept the cookie wall first." }], previous: previous(old) },
      }),
    );
    const opening = firstUserText(server.requests[0]!.body);
    expect(opening).toMatch(/^Now check out\.\n<memories>\n/);
    expect(opening).toContain("- [errors] shop.example: accept the cookie wall first.");
    expect(opening).toContain("Its prompt: Put the blue mug in the basket on shop.example");
    expect(opening).toContain("Its result: The blue mug is in the basket (1 item, 12 EUR).");
    expect(opening).toContain("Its last screen (the screen may have changed since):");
    // The old screen, and the screen now.
    expect(countImages(server.requests[0]!.body)).toBe(2);
  });

  it("sends the previous task's last screen only when the screen changed since", async () => {
    const { server, runner, desktop } = await setup({ script: [text("done")] });
    const same = Buffer.from((await desktop.screenshot()).png).toString("base64");
    await runner.run(new RecordingContext({ id: "tsk_agent0000006", prompt: "Now check out.", briefing: { memories: [], previous: previous(same) } }));
    expect(firstUserText(server.requests[0]!.body)).toContain("Its last screen is the screen you see now.");
    expect(firstUserText(server.requests[0]!.body)).not.toContain("<memories>");
    expect(countImages(server.requests[0]!.body)).toBe(1);
  });
});
