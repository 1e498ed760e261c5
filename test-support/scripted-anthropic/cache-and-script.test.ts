import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedAnthropic, type ScriptedAnthropic } from "./server.ts";
import { overloaded, text, toolUse } from "./script.ts";
import { pngBlock } from "./test-images.ts";
import { imageTokens } from "./usage.ts";

const MODEL = "claude-sonnet-4-5";
const SYSTEM = "You operate a desktop. ".repeat(300); // ~1725 tokens: above the 1024 minimum
const screenshotTool = { name: "screenshot", description: "Take a screenshot", input_schema: { type: "object" as const, properties: {} } };

let server: ScriptedAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (s: ScriptedAnthropic) => new Anthropic({ baseURL: s.url, apiKey: "test", maxRetries: 0 });

/** Put a cache breakpoint on the last block of the last two user turns (the pattern our loop uses). */
function withBreakpoints(messages: MessageParam[]): MessageParam[] {
  const userIdx = messages.flatMap((m, i) => (m.role === "user" ? [i] : [])).slice(-2);
  return messages.map((m, i) => {
    if (!userIdx.includes(i) || typeof m.content === "string") return m;
    const content = m.content.map((b, j) => (j === m.content.length - 1 ? { ...b, cache_control: { type: "ephemeral" as const } } : b));
    return { ...m, content } as MessageParam;
  });
}

describe("usage and prompt caching", () => {
  it("writes the prefix on the first request and reads it on the second request of a growing conversation", async () => {
    server = await startScriptedAnthropic({ script: [toolUse("screenshot", {}), toolUse("screenshot", {}), text("done")] });
    const c = client(server);
    const system = [{ type: "text" as const, text: SYSTEM, cache_control: { type: "ephemeral" as const } }];
    const messages: MessageParam[] = [{ role: "user", content: [{ type: "text", text: "Open the settings" }] }];
    const usages = [];
    for (let turn = 0; turn < 3; turn++) {
      const msg = await c.messages.create({ model: MODEL, max_tokens: 500, system, tools: [screenshotTool], messages: withBreakpoints(messages) });
      usages.push(msg.usage);
      if (msg.stop_reason !== "tool_use") break;
      const use = msg.content.find((b) => b.type === "tool_use");
      if (use?.type !== "tool_use") throw new Error("expected tool_use");
      messages.push({ role: "assistant", content: msg.content });
      messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: [pngBlock(1280, 800)] }] });
    }
    const [u1, u2, u3] = usages;
    // First request: everything up to the last breakpoint is written, nothing read.
    expect(u1?.cache_read_input_tokens).toBe(0);
    expect(u1?.cache_creation_input_tokens).toBeGreaterThan(1024);
    // Second: the whole first request's prefix is read, the new turn written.
    expect(u2?.cache_read_input_tokens).toBe(u1?.cache_creation_input_tokens);
    expect(u2?.cache_creation_input_tokens).toBeGreaterThanOrEqual(imageTokens(1280, 800));
    // Third: reads everything the second wrote.
    expect(u3?.cache_read_input_tokens).toBe((u2?.cache_read_input_tokens ?? 0) + (u2?.cache_creation_input_tokens ?? 0));
    expect(u3?.cache_creation?.ephemeral_5m_input_tokens).toBe(u3?.cache_creation_input_tokens);
    // input_tokens excludes the cached parts: the breakpoint is on the last block, so nothing is uncached.
    expect(u2?.input_tokens).toBe(0);
    server.assertNoRejections();
  });

  it("counts images as width*height/750 after downscaling, and the entry expires after 5 minutes", async () => {
    let now = 1_000_000;
    server = await startScriptedAnthropic({ script: [text("a"), text("b"), text("c")], cache: { now: () => now, minCacheableTokens: 0 } });
    const c = client(server);
    const body = {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: "user" as const, content: [pngBlock(1000, 750), { type: "text" as const, text: "describe", cache_control: { type: "ephemeral" as const } }] }],
    };
    const first = await c.messages.create(body);
    expect(first.usage.cache_creation_input_tokens).toBe(1000 + 2);
    expect(imageTokens(1920, 1080)).toBeLessThanOrEqual(1600);
    now += 4 * 60_000;
    expect((await c.messages.create(body)).usage.cache_read_input_tokens).toBe(1002);
    now += 5 * 60_000 + 1; // 5 minutes after the last read
    const third = await c.messages.create(body);
    expect(third.usage.cache_read_input_tokens).toBe(0);
    expect(third.usage.cache_creation_input_tokens).toBe(1002);
  });

  it("misses the cache when an earlier block changes (the prefix must match exactly)", async () => {
    server = await startScriptedAnthropic({ script: [text("a"), text("b")], cache: { minCacheableTokens: 0 } });
    const c = client(server);
    const mk = (sys: string) => c.messages.create({ model: MODEL, max_tokens: 10, system: sys, messages: [{ role: "user", content: [{ type: "text", text: "x".repeat(400), cache_control: { type: "ephemeral" } }] }] });
    await mk("system one");
    expect((await mk("system two")).usage.cache_read_input_tokens).toBe(0);
  });
});

describe("scripts", () => {
  it("answers a clear 400 error when the script is exhausted", async () => {
    server = await startScriptedAnthropic({ script: [text("only one")] });
    const c = client(server);
    await c.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "1" }] });
    const err = await c.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "2" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((err as Error).message)).toMatch(/script of conversation 'default' is exhausted/);
  });

  it("gives concurrent conversations their own scripts, routed by a marker in the system prompt", async () => {
    const host = (n: number) => ({ name: `host-${n}`, match: `[desktop:${n}]`, steps: [text(`host ${n} step 1`), text(`host ${n} step 2`)] });
    server = await startScriptedAnthropic({
      conversations: [host(1), host(2), host(3), { name: "supervisor", match: /^You supervise/, steps: [text("supervisor says hi")] }],
      frameDelayMs: 1,
    });
    const c = client(server);
    const ask = async (system: string) => {
      const out: string[] = [];
      for (let i = 0; i < 2; i++) {
        const stream = c.messages.stream({ model: MODEL, max_tokens: 50, system, messages: [{ role: "user", content: `turn ${i}` }] });
        const m = await stream.finalMessage();
        out.push(m.content[0]?.type === "text" ? m.content[0].text : "");
        if (system.startsWith("You supervise")) break;
      }
      return out;
    };
    const results = await Promise.all([ask("[desktop:1] agent"), ask("[desktop:2] agent"), ask("[desktop:3] agent"), ask("You supervise the fleet")]);
    expect(results).toEqual([
      ["host 1 step 1", "host 1 step 2"],
      ["host 2 step 1", "host 2 step 2"],
      ["host 3 step 1", "host 3 step 2"],
      ["supervisor says hi"],
    ]);
    server.assertScriptConsumed();
    expect(server.requestsOf("host-2")).toHaveLength(2);
  });

  it("returns scripted 529 overloaded errors that the SDK retries", async () => {
    server = await startScriptedAnthropic({ script: [overloaded({ headers: { "retry-after-ms": "1" } }), text("after retry")] });
    const c = new Anthropic({ baseURL: server.url, apiKey: "test", maxRetries: 2 });
    const msg = await c.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    expect(msg.content[0]).toMatchObject({ text: "after retry" });
    expect(server.requests.map((r) => r.status)).toEqual([529, 200]);
    expect(server.requests[0]?.error).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });

  it("fails a stream mid-way with an SSE error event", async () => {
    server = await startScriptedAnthropic({ script: [overloaded({ midStream: true })] });
    const stream = client(server).messages.stream({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toMatch(/overloaded_error/);
  });

  it("treats a reply calling a tool the request did not offer as a script bug", async () => {
    server = await startScriptedAnthropic({ script: [toolUse("teleport", {})] });
    const err = await client(server).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/script bug: the reply calls tool 'teleport'/);
  });

  it("sends a call of a tool the request did not offer when the script says the model makes one up", async () => {
    server = await startScriptedAnthropic({ script: [toolUse("teleport", { to: "mars" }, { forged: true })] });
    const msg = await client(server).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    expect(msg.content).toMatchObject([{ type: "tool_use", name: "teleport", input: { to: "mars" } }]);
  });

  it("cuts a reply longer than max_tokens and says so in stop_reason", async () => {
    server = await startScriptedAnthropic({ script: [text("word ".repeat(100))] });
    const msg = await client(server).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    expect(msg.stop_reason).toBe("max_tokens");
    expect(msg.usage.output_tokens).toBe(10);
  });

  it("holds a message thread for the tool runner, and replays the history when the thread is lost", async () => {
    server = await startScriptedAnthropic({ script: [toolUse("screenshot", {}), toolUse("screenshot", {}), text("done")] });
    const s = server;
    let calls = 0;
    const runner = client(s).beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: "user", content: "look" }],
      tools: [{
        ...screenshotTool,
        run: () => {
          calls++;
          // Lose the thread held for the first reply: the SDK must replay the full history.
          if (calls === 1) s.threads.drop(s.requests[0]?.response?.id ?? "");
          return "a screenshot";
        },
      }],
    });
    const final = await runner.runUntilDone();
    expect(final.content[0]).toMatchObject({ text: "done" });
    const threadRejections = s.rejections.filter((r) => r.error.error.details?.["error_code"] === "thread_not_found");
    expect(threadRejections).toHaveLength(1);
    expect(s.requests.map((r) => r.thread)).toEqual(["create", "create", { continues: s.requests[1]?.response?.id }]);
    // The continued request's full body has the whole conversation, though only the new turn was sent.
    const last = s.requests[2];
    expect((last?.wireBody["messages"] as unknown[]).length).toBe(1);
    expect((last?.body["messages"] as unknown[]).length).toBe(5);
  });
});
