import type { BetaImageBlockParam, BetaTextBlockParam, BetaTool } from "@anthropic-ai/sdk/resources/beta";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { HostTool, HostToolFactory, ToolAnswer, ToolCall } from "../host-tool.ts";
import { capText } from "../shell/output-cap.ts";
import type { McpServerConfig } from "./mcp-config.ts";

// One MCP server's tools as host tools, through the official MCP client SDK.
// The connection (and a stdio server's process) lives as long as the host;
// the tool list is read once. Names are namespaced `mcp__<server>__<tool>`.

export const MCP_PREFIX = "mcp__";
const MAX_TEXT = 20_000;
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

type ListedTool = { name: string; description?: string | undefined; inputSchema: { type: "object"; [k: string]: unknown } };

export type McpServerOptions = { callTimeoutMs?: number; onStderr?: (line: string) => void };

export class McpServerTools implements HostToolFactory {
  readonly grant: string;
  readonly server: string;
  readonly #config: McpServerConfig;
  readonly #o: McpServerOptions;
  #client: Promise<{ client: Client; tools: Map<string, ListedTool> }> | null = null;

  constructor(server: string, config: McpServerConfig, options: McpServerOptions = {}) {
    this.server = server;
    this.grant = `mcp:${server}`;
    this.#config = config;
    this.#o = options;
  }

  get names(): string[] {
    return [];
  }

  async open(): Promise<HostTool> {
    const { client, tools } = await this.#connect();
    return new McpTool(this.server, client, tools, this.#o.callTimeoutMs ?? 60_000);
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    if (c) await (await c.catch(() => null))?.client.close().catch(() => undefined);
  }

  #connect() {
    if (!this.#client) {
      this.#client = (async () => {
        const client = new Client({ name: "deskfleet-host", version: "1" });
        const c = this.#config;
        const transport = "command" in c
          ? new StdioClientTransport({ command: c.command, args: c.args, env: { ...getDefaultEnvironment(), ...c.env }, ...(c.cwd ? { cwd: c.cwd } : {}), stderr: "pipe" })
          : new StreamableHTTPClientTransport(new URL(c.url), { requestInit: { headers: c.headers } });
        if (transport instanceof StdioClientTransport) transport.stderr?.on("data", (d: Buffer) => this.#o.onStderr?.(d.toString()));
        await client.connect(transport, { timeout: 20_000 });
        const listed = await client.listTools(undefined, { timeout: 20_000 });
        const tools = new Map<string, ListedTool>();
        for (const t of listed.tools) tools.set(toolName(this.server, t.name), t as ListedTool);
        client.onclose = () => {
          this.#client = null; // reconnect on the next task
        };
        return { client, tools };
      })();
      this.#client.catch(() => {
        this.#client = null;
      });
    }
    return this.#client;
  }
}

/** `mcp__<server>__<tool>` within the API's tool-name pattern. */
export function toolName(server: string, tool: string): string {
  return `${MCP_PREFIX}${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, "_")}`.slice(0, 128);
}

class McpTool implements HostTool {
  readonly #server: string;
  readonly #client: Client;
  readonly #tools: Map<string, ListedTool>;
  readonly #timeoutMs: number;

  constructor(server: string, client: Client, tools: Map<string, ListedTool>, timeoutMs: number) {
    this.#server = server;
    this.#client = client;
    this.#tools = tools;
    this.#timeoutMs = timeoutMs;
  }

  definitions(): BetaTool[] {
    return [...this.#tools].map(([name, t]) => ({
      name,
      description: `[MCP server ${this.#server}] ${t.description ?? t.name}`.slice(0, 4000),
      input_schema: t.inputSchema,
    }));
  }

  handles(name: string): boolean {
    return this.#tools.has(name);
  }

  async run(name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    const tool = this.#tools.get(name);
    const started = Date.now();
    const emit = (ok: boolean, bytes: number) => call.ctx.emit("mcp_call", { step: call.step, server: this.#server, tool: (tool?.name ?? name).slice(0, 128), ok, durationMs: Date.now() - started, bytes });
    if (!tool) return { content: `The MCP server ${this.#server} has no tool ${name}.`, isError: true };
    try {
      const result = await this.#client.callTool({ name: tool.name, arguments: input }, undefined, { signal: call.signal, timeout: this.#timeoutMs });
      const content = toBlocks((result.content ?? []) as McpContent[]);
      const bytes = JSON.stringify(result.content ?? []).length;
      emit(result.isError !== true, bytes);
      return { content: content.length ? content : "(no content)", isError: result.isError === true };
    } catch (err) {
      if (call.signal.aborted) throw err;
      emit(false, 0);
      return { content: `The MCP server ${this.#server} failed the call: ${err instanceof Error ? err.message : String(err)}`, isError: true };
    }
  }
}

type McpContent =
  | { type: "text"; text: string }
  | { type: "image"; data: string; mimeType: string }
  | { type: "resource"; resource: { uri: string; text?: string; mimeType?: string } }
  | { type: "resource_link"; uri: string; name: string }
  | { type: string };

function toBlocks(content: readonly McpContent[]): (BetaTextBlockParam | BetaImageBlockParam)[] {
  const out: (BetaTextBlockParam | BetaImageBlockParam)[] = [];
  let room = MAX_TEXT;
  const text = (t: string) => {
    if (room <= 0 || t.trim() === "") return;
    const kept = capText(t, room);
    room -= kept.length;
    out.push({ type: "text", text: kept });
  };
  for (const c of content) {
    if (c.type === "text" && "text" in c) text(c.text);
    else if (c.type === "image" && "data" in c && IMAGE_TYPES.has(c.mimeType)) out.push({ type: "image", source: { type: "base64", media_type: c.mimeType as "image/png", data: c.data } });
    else if (c.type === "resource" && "resource" in c) text(c.resource.text ?? `[resource ${c.resource.uri}]`);
    else if (c.type === "resource_link" && "uri" in c) text(`[${c.name}](${c.uri})`);
    else text(`[${c.type} content left out]`);
  }
  return out;
}
