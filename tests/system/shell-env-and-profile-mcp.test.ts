import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { HostCapabilitiesInput } from "@deskfleet/protocol";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startScriptedAnthropic, text, toolUse, type ScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { HostRuntime, createLogger } from "deskfleet-host/runtime";
import { createComputerUseRunner, hostToolbox } from "deskfleet-host/agent";
import { createInMemoryDesktop } from "deskfleet-host/testing";

/**
 * Issue #18's last two parts against the real Worker under `wrangler dev`, a
 * real host runtime with a real bash, the scripted Messages API, and a real
 * MCP server over Streamable HTTP built with the SDK's server side:
 * a vault secret as a shell variable (released for the run, redacted), and an
 * agent profile's MCP servers (offered, called; a stdio one skipped on a host
 * without the shell, said in the task's events).
 */

const TOKEN = "ghp_SystemTest_9f8e7d6c5b4a";
const DOCS_TOKEN = "docs-bearer-5a4b3c2d1e";
const CAPABILITIES: HostCapabilitiesInput = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "system-test", vnc: { reachable: true }, tools: [] };

let cp: TestControlPlane;
let scripted: ScriptedAnthropic;
let mcp: { server: Server; url: string; authorizations: (string | undefined)[] };
let dir: string;
const hosts: HostRuntime[] = [];
const logs: string[] = [];

/** A real MCP server (the SDK's server side, stateless Streamable HTTP) with one tool; it records the Authorization header of each request. */
async function startDocsServer() {
  const authorizations: (string | undefined)[] = [];
  const server = createServer(async (req, res) => {
    authorizations.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
    const mcpServer = new McpServer({ name: "docs", version: "1.0.0" });
    mcpServer.registerTool("lookup", { description: "Look a term up in the docs.", inputSchema: { term: z.string() } }, async ({ term }) => ({
      content: [{ type: "text", text: `${term}: a vault holds secrets` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void transport.close().then(() => mcpServer.close()));
    await mcpServer.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, authorizations };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-shellenv-"));
  mcp = await startDocsServer();
  scripted = await startScriptedAnthropic({
    conversations: [
      {
        name: "env",
        match: "[env-test]",
        steps: [
          toolUse("bash", { command: 'echo "$GITHUB_TOKEN" | rev; echo $GITHUB_TOKEN' }),
          toolUse("bash", { restart: true }),
          toolUse("bash", { command: "echo again=$GITHUB_TOKEN" }),
          text("Done."),
        ],
      },
      {
        name: "mcp",
        match: "[mcp-test]",
        steps: [toolUse("mcp__docs__lookup", { term: "vault" }), (ctx) => text(`Looked up: ${ctx.lastToolResult()?.text ?? "nothing"}`)],
      },
    ],
  });
  cp = await startTestControlPlane();
}, 180_000);

afterAll(async () => {
  for (const h of hosts.splice(0)) await h.stop("test over", 500);
  await cp?.dispose();
  await scripted?.close();
  await new Promise((r) => mcp?.server.close(r));
  mcp?.server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

async function eventually<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A desktop whose host runs the real computer-use runner (scripted model, in-memory screen) with the given --allow. */
async function desktopWithHost(id: string, allow: string[]): Promise<void> {
  expect((await cp.api("POST", "/api/desktops", { id })).status).toBe(201);
  const token = (await cp.api("POST", `/api/desktops/${id}/host-token`)).json.token as string;
  const tools = hostToolbox({ allow, toolsDir: join(dir, id) })!;
  const runner = createComputerUseRunner({ apiKey: "unused", baseURL: scripted.url, desktop: createInMemoryDesktop().desktop, tools, model: "claude-sonnet-4-6" });
  const host = new HostRuntime({
    server: cp.url,
    desktopId: id,
    token,
    runner,
    logger: createLogger({ json: true, level: "debug", secrets: [token], write: (l) => logs.push(l) }),
    capabilities: async () => ({ ...CAPABILITIES, tools: tools.enabled }),
    backoff: { baseMs: 200, capMs: 1_000 },
  });
  hosts.push(host);
  host.start();
  await eventually(async () => (await cp.api("GET", `/api/desktops/${id}`)).json.presence !== "offline", `${id} connected`);
}

async function finished(taskId: string) {
  return eventually(async () => {
    const t = (await cp.api("GET", `/api/tasks/${taskId}`)).json;
    return (t.status === "completed" || t.status === "failed") && t;
  }, `task ${taskId} to finish`, 60_000);
}

async function events(taskId: string): Promise<{ kind: string; data: Record<string, any> }[]> {
  return (await cp.api("GET", `/api/tasks/${taskId}/events?limit=1000`)).json.items;
}

describe("a vault secret as a shell variable, on a real bash", () => {
  it("exports the value in the task's shell (and its restart), shows the model and the history only [secret:github] for it, and records the variable by name", async () => {
    expect((await cp.api("POST", "/api/secrets", { name: "github", kind: "password", value: TOKEN, description: "the release bot's token" })).status).toBe(201);
    await desktopWithHost("env-desk", ["shell"]);
    const created = await cp.api("POST", "/api/tasks", { prompt: "[env-test] Check the token works.", desktopId: "env-desk", tools: ["shell"], env: { GITHUB_TOKEN: "secret:github" } });
    expect(created.status).toBe(201);
    const task = await finished(created.json.id);
    expect(task).toMatchObject({ status: "completed", result: "Done.", options: { env: { GITHUB_TOKEN: "secret:github" } } });
    scripted.assertNoRejections();

    // The model was told the variable's name, never its value, and saw only the label where the value was printed.
    const requests = scripted.requests.filter((r) => JSON.stringify(r.body).includes("[env-test]"));
    expect(JSON.stringify(requests[0]!.body)).toContain("$GITHUB_TOKEN (vault secret `github`)");
    const seen = requests.map((r) => JSON.stringify(r.body)).join("\n");
    expect(seen).not.toContain(TOKEN);
    expect(seen).toContain("[secret:github]");

    const commands = (await events(task.id)).filter((e) => e.kind === "command");
    expect(commands.map((e) => e.data["command"])).toEqual(['echo "$GITHUB_TOKEN" | rev; echo $GITHUB_TOKEN', "(restart)", "echo again=$GITHUB_TOKEN"]);
    // The reversed value is not the secret as written, so it cannot be recognised: it is stored as printed (see SECURITY.md).
    expect(commands[0]!.data).toMatchObject({ output: `${[...TOKEN].reverse().join("")}\n[secret:github]\n`, exitCode: 0, env: ["GITHUB_TOKEN"] });
    expect(commands[2]!.data).toMatchObject({ output: "again=[secret:github]\n", env: ["GITHUB_TOKEN"] });
    const history = JSON.stringify(await events(task.id));
    expect(history).not.toContain(TOKEN);
    expect(logs.join("\n")).not.toContain(TOKEN);

    const releases = (await cp.api("GET", "/api/secrets/github/releases")).json.items;
    expect(releases).toEqual([expect.objectContaining({ taskId: task.id, desktopId: "env-desk", via: "shell_env" })]);
  }, 120_000);
});

describe("an agent profile's MCP servers", () => {
  it("offers a profile's HTTP server's tools beside the host's own and calls them with the vault's header, and skips its stdio server on a host without the shell, saying so", async () => {
    expect((await cp.api("POST", "/api/secrets", { name: "docs", kind: "text", value: DOCS_TOKEN })).status).toBe(201);
    const agent = await cp.api("POST", "/api/agents", {
      name: "researcher",
      description: "Looks things up in the docs",
      tools: ["computer", "mcp"],
      mcpServers: {
        docs: { url: mcp.url, headers: { Authorization: "Bearer {{secret:docs}}" } },
        local: { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] },
      },
    });
    expect(agent.status).toBe(201);
    await desktopWithHost("mcp-desk", ["mcp"]);
    const created = await cp.api("POST", "/api/tasks", { prompt: "[mcp-test] What is a vault?", agent: "researcher", desktopId: "mcp-desk" });
    expect(created.status).toBe(201);
    const task = await finished(created.json.id);
    scripted.assertNoRejections();
    expect(task).toMatchObject({ status: "completed", result: "Looked up: vault: a vault holds secrets" });

    const first = scripted.requests.find((r) => JSON.stringify(r.body).includes("[mcp-test]"))!;
    const offered = (first.body["tools"] as { name?: string; type?: string; description?: string }[]).map((t) => t.name ?? t.type);
    expect(offered).toContain("mcp__docs__lookup");
    expect(offered.some((n) => n?.startsWith("mcp__local__"))).toBe(false);
    expect(mcp.authorizations).toContain(`Bearer ${DOCS_TOKEN}`);

    const history = await events(task.id);
    expect(history.filter((e) => e.kind === "mcp_call").map((e) => e.data)).toEqual([expect.objectContaining({ server: "docs", tool: "lookup", ok: true })]);
    const messages = history.filter((e) => e.kind === "log").map((e) => e.data["message"] as string);
    expect(messages).toContainEqual(expect.stringMatching(/^Connected the MCP server docs of the agent's profile \(url\): 1 tool offered/));
    expect(messages).toContainEqual(expect.stringMatching(/^Skipped the MCP server local of the agent's profile \(stdio\): it is a command run on this machine \(stdio\), which needs the host to allow both mcp and shell; this host allows mcp/));
    expect(JSON.stringify(history)).not.toContain(DOCS_TOKEN);
    expect((await cp.api("GET", "/api/secrets/docs/releases")).json.items).toEqual([expect.objectContaining({ taskId: task.id, via: "mcp_server" })]);
  }, 120_000);
});
