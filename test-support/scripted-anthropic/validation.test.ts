import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedAnthropic, type ScriptedAnthropic } from "./server.ts";
import { text } from "./script.ts";
import { makePng, pngBlock } from "./test-images.ts";

const MODEL = "claude-sonnet-4-5";
const HEADERS = { "content-type": "application/json", "x-api-key": "test", "anthropic-version": "2023-06-01" };
const tool = { name: "get_weather", input_schema: { type: "object", properties: {} } };

let server: ScriptedAnthropic;
let gaOnlyServer: ScriptedAnthropic;
beforeAll(async () => {
  // Every valid request consumes a step; give plenty.
  server = await startScriptedAnthropic({ script: Array.from({ length: 50 }, () => text("ok")) });
  gaOnlyServer = await startScriptedAnthropic({ script: [text("ok")], computerToolset: false });
});
afterAll(async () => {
  await server.close();
  await gaOnlyServer.close();
});

async function post(body: unknown, headers: Record<string, string> = HEADERS, s: ScriptedAnthropic = server) {
  const res = await fetch(`${s.url}/v1/messages`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, requestId: res.headers.get("request-id"), json: (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string } };
}

async function expectInvalid(body: unknown, message: string | RegExp, headers?: Record<string, string>, s?: ScriptedAnthropic) {
  const r = await post(body, headers, s);
  expect(r.status).toBe(400);
  expect(r.json.type).toBe("error");
  expect(r.json.error.type).toBe("invalid_request_error");
  expect(r.json.request_id).toBe(r.requestId);
  if (typeof message === "string") expect(r.json.error.message).toBe(message);
  else expect(r.json.error.message).toMatch(message);
}

const req = (messages: unknown[], extra: Record<string, unknown> = {}) => ({ model: MODEL, max_tokens: 100, messages, ...extra });
const assistantToolUse = (id: string) => ({ role: "assistant", content: [{ type: "tool_use", id, name: "get_weather", input: {} }] });
const toolResult = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "sunny" });

describe("request validation", () => {
  it("rejects a request without an API key with 401 authentication_error", async () => {
    const r = await post(req([{ role: "user", content: "hi" }]), { "content-type": "application/json", "anthropic-version": "2023-06-01" });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ type: "error", error: { type: "authentication_error", message: "x-api-key header is required" } });
  });

  it("accepts Authorization: Bearer as the SDK 1.12 sends it", async () => {
    const r = await post(req([{ role: "user", content: "hi" }]), { "content-type": "application/json", authorization: "Bearer k", "anthropic-version": "2026-10-21" });
    expect(r.status).toBe(200);
  });

  it("rejects a request without anthropic-version", async () => {
    await expectInvalid(req([{ role: "user", content: "hi" }]), "anthropic-version: header is required", { "content-type": "application/json", "x-api-key": "k" });
  });

  it("rejects an unknown anthropic-beta value", async () => {
    await expectInvalid(req([{ role: "user", content: "hi" }]), /^Unexpected value\(s\) `computer-use-2099-01-01` for the `anthropic-beta` header/, { ...HEADERS, "anthropic-beta": "computer-use-2099-01-01" });
  });

  it("rejects missing model and max_tokens, and unknown fields", async () => {
    await expectInvalid({ max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, "model: Field required");
    await expectInvalid({ model: MODEL, messages: [{ role: "user", content: "hi" }] }, "max_tokens: Field required");
    await expectInvalid(req([{ role: "user", content: "hi" }], { foo: 1 }), "foo: Extra inputs are not permitted");
  });

  it("rejects empty messages and a first message that is not from the user", async () => {
    await expectInvalid(req([]), "messages: at least one message is required");
    await expectInvalid(req([{ role: "assistant", content: "hi" }, { role: "user", content: "x" }]), 'messages: first message must use the "user" role');
  });

  it("merges consecutive same-role turns as the API documents, but rejects them when strict", async () => {
    const twoUsers = req([{ role: "user", content: "a" }, { role: "user", content: "b" }]);
    expect((await post(twoUsers)).status).toBe(200);
    const strict = await startScriptedAnthropic({ script: [text("ok")], alternation: "strict" });
    try {
      await expectInvalid(twoUsers, 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row', HEADERS, strict);
    } finally {
      await strict.close();
    }
  });

  it("allows an assistant prefill as the last message, but not one ending in whitespace", async () => {
    expect((await post(req([{ role: "user", content: "a" }, { role: "assistant", content: "The answer is" }]))).status).toBe(200);
    await expectInvalid(req([{ role: "user", content: "a" }, { role: "assistant", content: "The answer is " }]), "messages: final assistant content cannot end with trailing whitespace");
  });

  it("rejects a tool_use that the next user turn does not answer", async () => {
    await expectInvalid(
      req([{ role: "user", content: "a" }, assistantToolUse("toolu_1"), { role: "user", content: "never mind" }], { tools: [tool] }),
      "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    );
  });

  it("rejects a tool_result that comes after text in its turn", async () => {
    await expectInvalid(
      req([{ role: "user", content: "a" }, assistantToolUse("toolu_1"), { role: "user", content: [{ type: "text", text: "here:" }, toolResult("toolu_1")] }], { tools: [tool] }),
      /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/,
    );
  });

  it("rejects a tool_result whose tool_use is not in the previous assistant turn", async () => {
    await expectInvalid(
      req([{ role: "user", content: "a" }, assistantToolUse("toolu_1"), { role: "user", content: [toolResult("toolu_1"), toolResult("toolu_2")] }], { tools: [tool] }),
      "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
    );
  });

  it("accepts a correctly answered tool_use, with text after the tool_result", async () => {
    const r = await post(req([{ role: "user", content: "a" }, assistantToolUse("toolu_1"), { role: "user", content: [toolResult("toolu_1"), { type: "text", text: "go on" }] }], { tools: [tool] }));
    expect(r.status).toBe(200);
  });

  it("rejects duplicate tool names", async () => {
    await expectInvalid(req([{ role: "user", content: "a" }], { tools: [tool, tool] }), "tools: Tool names must be unique.");
  });

  it("rejects a fifth cache_control breakpoint, counting tools, system and messages", async () => {
    const cc = { type: "ephemeral" };
    await expectInvalid(
      req(
        [
          { role: "user", content: [{ type: "text", text: "a", cache_control: cc }] },
          { role: "assistant", content: [{ type: "text", text: "b", cache_control: cc }] },
          { role: "user", content: [{ type: "text", text: "c", cache_control: cc }] },
        ],
        { tools: [{ ...tool, cache_control: cc }], system: [{ type: "text", text: "sys", cache_control: cc }] },
      ),
      "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    );
  });

  it("rejects an image over 5 MB", async () => {
    const big = pngBlock(10, 10, { minBytes: 5 * 1024 * 1024 + 10 });
    await expectInvalid(req([{ role: "user", content: [big] }]), /^messages\.0\.content\.0\.image\.source\.base64: image exceeds 5 MB maximum: \d+ bytes > 5242880 bytes$/);
  });

  it("rejects an image wider than 8000 px, read from the PNG header", async () => {
    await expectInvalid(req([{ role: "user", content: [pngBlock(8001, 2)] }]), "messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels");
  });

  it("rejects images over 2000 px when more than 20 are sent, and images inside tool_results count", async () => {
    const small = pngBlock(100, 100);
    const content = [...Array.from({ length: 20 }, () => small), pngBlock(2001, 10)];
    await expectInvalid(req([{ role: "user", content }]), /exceed max allowed size for many-image requests: 2000 pixels$/);
    const inToolResult = req(
      [{ role: "user", content: "a" }, assistantToolUse("toolu_9"), { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9", content: [pngBlock(2001, 10)] }, ...Array.from({ length: 20 }, () => small)] }],
      { tools: [tool] },
    );
    await expectInvalid(inToolResult, /^messages\.2\.content\.0\.content\.0\.source\.base64\.data: At least one of the image dimensions exceed max allowed size for many-image requests/);
  });

  it("rejects more than 100 images, and an image whose bytes are not its media type", async () => {
    const tiny = pngBlock(2, 2);
    await expectInvalid(req([{ role: "user", content: Array.from({ length: 101 }, () => tiny) }]), /Too many images/);
    const lying = { type: "image", source: { type: "base64", media_type: "image/jpeg", data: makePng(4, 4).toString("base64") } };
    await expectInvalid(req([{ role: "user", content: [lying] }]), "messages.0.content.0.image.source.base64.data: Image does not match the provided media type image/jpeg");
  });

  it("rejects computer_20251124 without the computer-use beta header, and accepts it with it", async () => {
    const body = req([{ role: "user", content: "a" }], { tools: [{ type: "computer_20251124", name: "computer", display_width_px: 1024, display_height_px: 768 }] });
    await expectInvalid(body, /^tools\.0: Input tag 'computer_20251124' found using 'type' does not match any of the expected tags: /);
    expect((await post(body, { ...HEADERS, "anthropic-beta": "computer-use-2025-11-24" })).status).toBe(200);
  });

  it("accepts the GA computer toolset without a beta header, and rejects it where the server is told it does not exist", async () => {
    const body = req([{ role: "user", content: "a" }], { tools: [{ type: "computer_toolset_20260801", configs: { zoom: { enabled: false } } }] });
    expect((await post(body)).status).toBe(200);
    await expectInvalid(body, /^tools\.0: Input tag 'computer_toolset_20260801' found using 'type' does not match any of the expected tags/, HEADERS, gaOnlyServer);
  });

  it("rejects fields a toolset entry does not carry and unknown members in its configs", async () => {
    await expectInvalid(
      req([{ role: "user", content: "a" }], { tools: [{ type: "computer_toolset_20260801", display_width_px: 1024 }] }),
      "tools.0.computer_toolset_20260801.display_width_px: Extra inputs are not permitted",
    );
    await expectInvalid(
      req([{ role: "user", content: "a" }], { tools: [{ type: "computer_toolset_20260801", configs: { teleport: { enabled: true } } }] }),
      "tools.0.computer_toolset_20260801.configs.teleport: Extra inputs are not permitted",
    );
  });

  it("records no rejected request as a consumed script step", () => {
    // Only the accepted requests above took steps.
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    expect(server.rejections.length).toBeGreaterThan(10);
    expect(server.remainingSteps()["default"]).toBe(50 - server.requests.length);
  });
});
