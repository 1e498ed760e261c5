import Anthropic from "@anthropic-ai/sdk";
import { betaTool } from "@anthropic-ai/sdk/helpers/beta/json-schema";
import { BetaAbstractComputerToolset20260801, type BetaScreenshotResult } from "@anthropic-ai/sdk/helpers/beta/toolsets";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedAnthropic, type ScriptedAnthropic } from "./server.ts";
import { computerAction, text, toolUse, toolsetCall } from "./script.ts";
import { makePng } from "./test-images.ts";

const MODEL = "claude-sonnet-4-5";
const weatherTool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

let server: ScriptedAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(s: ScriptedAnthropic): Anthropic {
  return new Anthropic({ baseURL: s.url, apiKey: "test", maxRetries: 0 });
}

describe("the official SDK against the scripted server", () => {
  it("round-trips a JSON text reply with the API's message shape and a request-id", async () => {
    server = await startScriptedAnthropic({ script: [text("Hello from the script")] });
    const { data, response } = await client(server).messages
      .create({ model: MODEL, max_tokens: 100, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(data.type).toBe("message");
    expect(data.role).toBe("assistant");
    expect(data.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(data.model).toBe(MODEL);
    expect(data.content).toEqual([{ type: "text", text: "Hello from the script", citations: null }]);
    expect(data.stop_reason).toBe("end_turn");
    expect(data.usage.input_tokens).toBe(1); // "Hi" = ceil(2/4)
    expect(data.usage.output_tokens).toBe(Math.ceil("Hello from the script".length / 4));
    expect(response.headers.get("request-id")).toMatch(/^req_011C/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers["anthropic-version"]).toBeDefined();
  });

  it("round-trips a JSON tool_use reply and accepts the tool_result that answers it", async () => {
    server = await startScriptedAnthropic({
      script: [
        toolUse("get_weather", { city: "Paris" }, { text: "Let me check." }),
        (ctx) => text(`It is ${ctx.lastToolResult()?.text ?? "?"} in Paris.`),
      ],
    });
    const c = client(server);
    const first = await c.messages.create({ model: MODEL, max_tokens: 200, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Paris?" }] });
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use");
    expect(use).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris" }, caller: { type: "direct" } });
    if (use?.type !== "tool_use") throw new Error("no tool_use");
    const second = await c.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "18°C" }] },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: "text", text: "It is 18°C in Paris." });
    server.assertNoRejections();
    server.assertScriptConsumed();
  });

  it("streams text and a tool_use through messages.stream, split into several deltas", async () => {
    const longText = "I will look up the weather for you now, one moment please.";
    server = await startScriptedAnthropic({
      script: [{ content: [{ type: "text", text: longText }, { type: "tool_use", name: "get_weather", input: { city: "San Francisco, CA", unit: "celsius" } }] }],
    });
    const stream = client(server).messages.stream({ model: MODEL, max_tokens: 300, tools: [weatherTool], messages: [{ role: "user", content: "Weather?" }] });
    const textDeltas: string[] = [];
    const jsonDeltas: string[] = [];
    stream.on("text", (d) => textDeltas.push(d));
    stream.on("inputJson", (d) => jsonDeltas.push(d));
    const final = await stream.finalMessage();
    expect(textDeltas.length).toBeGreaterThan(1);
    expect(textDeltas.join("")).toBe(longText);
    expect(jsonDeltas.filter((d) => d.length > 0).length).toBeGreaterThan(1);
    expect(final.content[0]).toMatchObject({ type: "text", text: longText });
    expect(final.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "San Francisco, CA", unit: "celsius" } });
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage.output_tokens).toBe(server.requests[0]?.usage?.output_tokens);
    expect(final.usage.input_tokens).toBe(server.requests[0]?.usage?.input_tokens);
  });

  it("sends the API's SSE event sequence, with a ping and an empty first input_json_delta", async () => {
    server = await startScriptedAnthropic({ script: [{ content: [{ type: "text", text: "Hi" }, { type: "tool_use", name: "get_weather", input: { city: "Oslo" } }] }] });
    const res = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: MODEL, max_tokens: 50, stream: true, tools: [weatherTool], messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const raw = await res.text();
    const events = raw.split("\n\n").filter(Boolean).map((f) => {
      const [ev, data] = f.split("\n");
      return { event: ev?.replace("event: ", ""), data: JSON.parse(data?.replace("data: ", "") ?? "null") as Record<string, unknown> };
    });
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("message_start");
    expect(names[1]).toBe("content_block_start");
    expect(names[2]).toBe("ping");
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(raw).toContain('event: ping\ndata: {"type": "ping"}\n\n');
    for (const e of events) expect(e.data["type"]).toBe(e.event);
    const start = events[0]?.data["message"] as Record<string, unknown>;
    expect(start["content"]).toEqual([]);
    expect(start["stop_reason"]).toBeNull();
    expect(start["usage"]).toMatchObject({ input_tokens: expect.any(Number), cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const toolStart = events.find((e) => e.event === "content_block_start" && (e.data["content_block"] as Record<string, unknown>)["type"] === "tool_use");
    expect(toolStart?.data).toMatchObject({ index: 1, content_block: { type: "tool_use", name: "get_weather", input: {} } });
    const jsonDeltas = events.filter((e) => e.event === "content_block_delta" && e.data["index"] === 1).map((e) => (e.data["delta"] as { partial_json: string }).partial_json);
    expect(jsonDeltas[0]).toBe("");
    expect(JSON.parse(jsonDeltas.join(""))).toEqual({ city: "Oslo" });
    const delta = events.find((e) => e.event === "message_delta")?.data;
    expect(delta).toMatchObject({ delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: expect.any(Number) } });
  });

  it("serves the beta path with the computer_20251124 tool when the computer-use beta is sent", async () => {
    server = await startScriptedAnthropic({ script: [computerAction("screenshot")] });
    const msg = await client(server).beta.messages.create({
      model: MODEL,
      max_tokens: 100,
      betas: ["computer-use-2025-11-24"],
      tools: [{ type: "computer_20251124", name: "computer", display_width_px: 1280, display_height_px: 800 }],
      messages: [{ role: "user", content: "Take a screenshot" }],
    });
    expect(msg.content[0]).toMatchObject({ type: "tool_use", name: "computer", input: { action: "screenshot" } });
    expect(msg.context_management).toBeNull();
    const rec = server.requests[0];
    expect(rec?.path).toBe("/v1/messages");
    expect(rec?.beta).toBe(true);
    expect(rec?.betas).toContain("computer-use-2025-11-24");
  });

  it("drives a GA computer toolset subclass through the SDK's tool runner", async () => {
    const png = makePng(64, 40).toString("base64");
    class FakeDesktop extends BetaAbstractComputerToolset20260801 {
      clicks: number[][] = [];
      protected override screenshot(): BetaScreenshotResult {
        return { data: png };
      }
      protected override left_click(_ctx: unknown, input: { coordinate?: number[] | null }): string {
        this.clicks.push(input.coordinate ?? []);
        return "ok";
      }
    }
    const desktop = new FakeDesktop({ configs: { type: { enabled: false }, key: { enabled: false }, hold_key: { enabled: false } } });
    server = await startScriptedAnthropic({
      script: [
        toolsetCall("screenshot"),
        (ctx) => {
          const r = ctx.lastToolResult();
          if (r?.images !== 1 || r.toolsetName !== "computer") return text("unexpected tool_result");
          return toolsetCall("left_click", { coordinate: [10, 20] });
        },
        text("Clicked it."),
      ],
    });
    const final = await client(server).beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 500,
      tools: [desktop],
      messages: [{ role: "user", content: "Click the button" }],
    });
    expect(final.content[0]).toMatchObject({ type: "text", text: "Clicked it." });
    expect(desktop.clicks).toEqual([[10, 20]]);
    server.assertNoRejections();
    server.assertScriptConsumed();
    const toolDef = server.requests[0]?.body["tools"];
    expect(toolDef).toEqual([expect.objectContaining({ type: "computer_toolset_20260801" })]);
    const first = server.requests[0]?.response?.content[0];
    expect(first).toMatchObject({ type: "tool_use", name: "screenshot", toolset_name: "computer" });
    expect(server.requests[1]?.imageCount).toBe(1);
  });

  it("runs a JSON-schema tool through the tool runner until end_turn", async () => {
    server = await startScriptedAnthropic({ script: [toolUse("get_weather", { city: "Rome" }), (ctx) => text(`Rome: ${ctx.lastToolResult()?.text}`)] });
    const tool = betaTool({
      name: "get_weather",
      description: "Weather for a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      run: ({ city }) => `sunny in ${city}`,
    });
    const final = await client(server).beta.messages.toolRunner({ model: MODEL, max_tokens: 300, tools: [tool], messages: [{ role: "user", content: "Rome?" }] });
    expect(final.content[0]).toMatchObject({ type: "text", text: "Rome: sunny in Rome" });
    server.assertNoRejections();
  });

  it("counts tokens without consuming a script step", async () => {
    server = await startScriptedAnthropic({ script: [] });
    const r = await client(server).messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "12345678" }] });
    expect(r.input_tokens).toBe(2);
    server.assertScriptConsumed();
  });

  it("reports a scripted error as the SDK's typed error with the API's body", async () => {
    server = await startScriptedAnthropic({ script: [{ error: { type: "invalid_request_error", message: "prompt is too long: 250000 tokens > 200000 maximum" } }] });
    const err = await client(server).messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const e = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 250000 tokens > 200000 maximum" } });
    expect(e.requestID).toMatch(/^req_/);
  });
});
