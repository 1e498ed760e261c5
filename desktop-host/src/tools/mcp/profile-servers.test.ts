import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingContext } from "../../agent/testing/recording-context.ts";
import { toolboxes } from "../testing/host-tools.ts";
import { profileServerTrust } from "./profile-servers.ts";

// A real stdio MCP server (the SDK's server side) that reports one variable of its environment.
const SERVER = `
import { McpServer } from ${JSON.stringify(import.meta.resolve("@modelcontextprotocol/sdk/server/mcp.js"))};
import { StdioServerTransport } from ${JSON.stringify(import.meta.resolve("@modelcontextprotocol/sdk/server/stdio.js"))};
const server = new McpServer({ name: "envy", version: "1.0.0" });
server.registerTool("token", { description: "Says how long NOTES_TOKEN is." }, async () => ({ content: [{ type: "text", text: String((process.env.NOTES_TOKEN ?? "").length) }] }));
await server.connect(new StdioServerTransport());
`;

const toolbox = toolboxes();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-profile-mcp-"));
  writeFileSync(join(dir, "envy.mjs"), SERVER);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const URL_SERVER = { url: "https://mcp.example.com/mcp" };
const STDIO = { command: "npx", args: ["notes-mcp"] };

describe("the host's trust rule for a profile's MCP servers", () => {
  it("lets a URL server in with mcp, and a command server only with mcp and shell", () => {
    expect(profileServerTrust("docs", URL_SERVER, ["mcp"])).toEqual({ ok: true });
    expect(profileServerTrust("docs", URL_SERVER, ["mcp:docs"])).toEqual({ ok: true });
    expect(profileServerTrust("docs", URL_SERVER, ["shell"])).toMatchObject({ ok: false, reason: expect.stringMatching(/does not allow MCP servers/) });
    expect(profileServerTrust("notes", STDIO, ["mcp", "shell"])).toEqual({ ok: true });
    expect(profileServerTrust("notes", STDIO, ["mcp"])).toMatchObject({ ok: false, reason: expect.stringMatching(/needs the host to allow both mcp and shell; this host allows mcp$/) });
    expect(profileServerTrust("notes", STDIO, ["shell"])).toMatchObject({ ok: false });
  });
});

describe("a profile's command server on a host that allows mcp and shell", () => {
  const task = (allowTools: string[] = ["mcp", "shell"]) => {
    const ctx = new RecordingContext({
      id: "tsk_profilemcp01",
      prompt: "x",
      options: { tools: allowTools },
      mcpServers: { envy: { command: process.execPath, args: [join(dir, "envy.mjs")], env: { NOTES_TOKEN: "secret:notes" } } },
    });
    return ctx;
  };

  it("runs it with its vault variable and offers its tools namespaced", async () => {
    const { toolbox: tb } = toolbox(["mcp", "shell"]);
    const ctx = task();
    ctx.secrets.set("notes", "notes-token-12345");
    const tools = await tb.open(ctx);
    try {
      expect(ctx.secretUses).toEqual(["mcp_server"]);
      expect(tools.definitions().map((d) => ("name" in d ? d.name : ""))).toContain("mcp__envy__token");
      const result = await tools.run({ type: "tool_use", id: "toolu_1", name: "mcp__envy__token", input: {} }, 1, ctx.signal);
      expect(result.content).toEqual([{ type: "text", text: "17" }]);
      expect(ctx.of("log").map((l) => l["message"])).toContainEqual(expect.stringMatching(/^Connected the MCP server envy of the agent's profile \(stdio\): 1 tool/));
    } finally {
      await tools.close();
    }
  });

  it("skips it, saying which secret was not released, when the vault does not release it", async () => {
    const { toolbox: tb } = toolbox(["mcp", "shell"]);
    const ctx = task();
    const tools = await tb.open(ctx);
    try {
      expect(tools.definitions().map((d) => ("name" in d ? d.name : ""))).not.toContain("mcp__envy__token");
      expect(ctx.of("log").map((l) => l["message"])).toContainEqual(expect.stringMatching(/^Skipped the MCP server envy of the agent's profile \(stdio\): secret `notes` was not released/));
    } finally {
      await tools.close();
    }
  });

  it("does not start it for a task whose tools leave out mcp, and says so", async () => {
    const { toolbox: tb } = toolbox(["mcp", "shell"]);
    const ctx = task(["shell"]);
    ctx.secrets.set("notes", "notes-token-12345");
    const tools = await tb.open(ctx);
    try {
      expect(ctx.secretRequests).toEqual([]);
      expect(ctx.of("log").map((l) => l["message"])).toContainEqual("Skipped the MCP server envy of the agent's profile (stdio): this task's tools do not include mcp or mcp:envy.");
    } finally {
      await tools.close();
    }
  });
});
