import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedAnthropic, type ScriptedAnthropic } from "./server.ts";
import { text, toolUse } from "./script.ts";

// The tool definitions the host's tools beyond the screen send, checked as the API checks them.

const HEADERS = { "content-type": "application/json", "x-api-key": "test", "anthropic-version": "2023-06-01" };
const hello = [{ role: "user", content: "hi" }];
let server: ScriptedAnthropic;
beforeAll(async () => {
  server = await startScriptedAnthropic({
    conversations: [
      { name: "bad-bash", match: "[bad-bash]", steps: [toolUse("bash", { cmd: "ls" })] },
      { name: "bad-editor", match: "[bad-editor]", steps: [toolUse("str_replace_based_edit_tool", { command: "undo_edit", path: "a.txt" })] },
      { name: "bad-custom", match: "[bad-custom]", steps: [toolUse("send_file", { file: "a.txt" })] },
      { name: "forged", match: "[forged]", steps: [toolUse("bash", { command: "id" }, { forged: true })] },
    ],
    script: Array.from({ length: 20 }, () => text("ok")),
  });
});
afterAll(() => server.close());

async function post(body: Record<string, unknown>) {
  const res = await fetch(`${server.url}/v1/messages`, { method: "POST", headers: HEADERS, body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, messages: hello, ...body }) });
  return { status: res.status, json: (await res.json()) as { error?: { message: string }; content?: { type: string; name?: string }[] } };
}

const SEND_FILE = { name: "send_file", description: "Send a file.", input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } };

describe("the scripted API's checks of tool definitions", () => {
  it("accepts the bash and text editor tools and a custom tool as the host defines them", async () => {
    const r = await post({ tools: [{ type: "bash_20250124", name: "bash" }, { type: "text_editor_20250728", name: "str_replace_based_edit_tool", max_characters: 20000 }, SEND_FILE] });
    expect(r.status).toBe(200);
  });

  it("refuses a bash tool with a field its type does not take", async () => {
    const r = await post({ tools: [{ type: "bash_20250124", name: "bash", description: "mine" }] });
    expect(r.json.error?.message).toBe("tools.0.bash_20250124.description: Extra inputs are not permitted");
  });

  it("refuses the text editor under another name, or with max_characters below 1", async () => {
    expect((await post({ tools: [{ type: "text_editor_20250728", name: "editor" }] })).json.error?.message).toBe("tools.0.text_editor_20250728.name: Input should be 'str_replace_based_edit_tool'");
    expect((await post({ tools: [{ type: "text_editor_20250728", name: "str_replace_based_edit_tool", max_characters: 0 }] })).json.error?.message).toBe("tools.0.text_editor_20250728.max_characters: Input should be greater than or equal to 1");
  });

  it("refuses a custom tool whose input schema is not valid JSON Schema, as an MCP server's could be", async () => {
    const r = await post({ tools: [{ name: "mcp__x__y", input_schema: { type: "object", properties: { a: { type: "text" } } } }] });
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toMatch(/^tools\.0\.custom\.input_schema\.properties\.a: JSON schema is invalid/);
    expect((await post({ tools: [{ name: "x", input_schema: { type: "object", required: "a" } }] })).status).toBe(400);
    expect((await post({ tools: [{ name: "x", input_schema: { type: "object" }, extra: 1 }] })).json.error?.message).toBe("tools.0.custom.extra: Extra inputs are not permitted");
  });

  it("fails a script that calls a tool with input its schema forbids", async () => {
    const tools = [{ type: "bash_20250124", name: "bash" }, { type: "text_editor_20250728", name: "str_replace_based_edit_tool" }, SEND_FILE];
    const ask = (marker: string) => post({ tools, messages: [{ role: "user", content: marker }] });
    expect((await ask("[bad-bash]")).json.error?.message).toMatch(/script bug.*'bash'.*`command`/);
    expect((await ask("[bad-editor]")).json.error?.message).toMatch(/no undo_edit/);
    expect((await ask("[bad-custom]")).json.error?.message).toMatch(/input\.path is required/);
  });

  it("sends a forged call of a tool the request does not offer only when the script says so", async () => {
    const r = await post({ tools: [SEND_FILE], messages: [{ role: "user", content: "[forged]" }] });
    expect(r.status).toBe(200);
    expect(r.json.content?.find((b) => b.type === "tool_use")?.name).toBe("bash");
  });
});
