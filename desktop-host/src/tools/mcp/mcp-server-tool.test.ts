import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text, toolUse } from "../../../../test-support/scripted-anthropic/index.ts";
import { RecordingContext } from "../../agent/testing/recording-context.ts";
import { scriptedRunner } from "../../agent/testing/scripted-runner.ts";
import { toolboxes } from "../testing/host-tools.ts";
import { McpServerTools } from "./mcp-server-tool.ts";

// A real MCP server over stdio, written here with the same SDK: two tools,
// one of which tells whether the host's token leaked into its environment.
const SERVER = `
import { McpServer } from ${JSON.stringify(import.meta.resolve("@modelcontextprotocol/sdk/server/mcp.js"))};
import { StdioServerTransport } from ${JSON.stringify(import.meta.resolve("@modelcontextprotocol/sdk/server/stdio.js"))};
import { z } from ${JSON.stringify(import.meta.resolve("zod"))};
const server = new McpServer({ name: "calc", version: "1.0.0" });
server.registerTool("add", { description: "Add two numbers.", inputSchema: { a: z.number(), b: z.number() } },
  async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
server.registerTool("env.check", { description: "Whether a variable is set.", inputSchema: { name: z.string() } },
  async ({ name }) => ({ content: [{ type: "text", text: process.env[name] === undefined ? "unset" : "set" }] }));
await server.connect(new StdioServerTransport());
`;

const scripted = scriptedRunner();
const toolbox = toolboxes();
let dir: string;
let calc: McpServerTools;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-mcp-"));
  writeFileSync(join(dir, "calc-server.mjs"), SERVER);
  calc = new McpServerTools("calc", { command: process.execPath, args: [join(dir, "calc-server.mjs")], env: {} });
});
afterAll(async () => {
  await calc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("an MCP server's tools on the host", () => {
  it("offers a stdio server's tools namespaced, calls them, and records each call", async () => {
    process.env["DESKFLEET_HOST_TOKEN"] = "dfh_mcpsecretsecret";
    try {
      const { toolbox: tb } = toolbox(["mcp"], [calc]);
      const { server, runner } = await scripted({ script: [
        toolUse("mcp__calc__add", { a: 2, b: 3 }),
        toolUse("mcp__calc__env_check", { name: "DESKFLEET_HOST_TOKEN" }),
        (ctx) => text(`sum ${ctx.toolResults()[0]?.text}, token ${ctx.lastToolResult()?.text}`),
      ] }, { tools: tb });
      const ctx = new RecordingContext({ id: "tsk_mcp00000001", prompt: "Add.", options: { tools: ["mcp:calc"] } });
      const outcome = await runner.run(ctx);
      server.assertNoRejections();
      expect(outcome).toEqual({ status: "completed", result: "sum 5, token unset" });
      const tools = server.requests[0]!.body["tools"] as { name: string; description?: string; input_schema?: { required?: string[] } }[];
      expect(tools.slice(1).map((t) => t.name)).toEqual(["ask_human", "mcp__calc__add", "mcp__calc__env_check"]);
      expect(tools[2]).toMatchObject({ description: "[MCP server calc] Add two numbers.", input_schema: { required: ["a", "b"] } });
      expect(ctx.of("mcp_call")).toEqual([
        expect.objectContaining({ server: "calc", tool: "add", ok: true }),
        expect.objectContaining({ server: "calc", tool: "env.check", ok: true }),
      ]);
    } finally {
      delete process.env["DESKFLEET_HOST_TOKEN"];
    }
  });

  it("offers a server's tools only when the task allows it", async () => {
    const { toolbox: tb } = toolbox(["mcp:calc", "shell"], [calc]);
    const { server, runner } = await scripted({ script: [text("ok")] }, { tools: tb });
    await runner.run(new RecordingContext({ id: "tsk_mcp00000002", prompt: "Hi.", options: { tools: ["shell"] } }));
    expect(JSON.stringify(server.requests[0]!.body["tools"])).not.toContain("mcp__calc");
  });
});
