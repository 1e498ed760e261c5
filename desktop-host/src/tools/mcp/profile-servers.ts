import type { ProfileMcpServer } from "@deskfleet/protocol";
import { grants, MAX_MESSAGE_CHARS, mcpTransport, resolveSecretRefs, truncate, valueSecretNames } from "@deskfleet/protocol";
import type { TaskContext } from "../../task-runner.ts";
import type { HostTool, HostToolFactory } from "../host-tool.ts";
import type { McpServerConfig } from "./mcp-config.ts";
import { McpServerTools, type McpServerOptions } from "./mcp-server-tool.ts";

// The MCP servers a task's agent profile declares (`assign.task.mcpServers`),
// connected for that run only and closed with it. The trust rule is the
// host's, whatever the profile says: a URL server needs the host to allow
// `mcp`; a stdio server is a command run on this machine — code execution —
// so it needs `mcp` and `shell`. A server not connected is named in the
// task's events with the reason, never dropped silently.

export type ProfileServerDecision = { ok: true } | { ok: false; reason: string };

/** Whether this host lets a task's profile bring this server, by the host's own `--allow`. */
export function profileServerTrust(name: string, server: ProfileMcpServer, hostAllow: readonly string[]): ProfileServerDecision {
  const mcp = hostAllow.some((g) => grants(g, `mcp:${name}`));
  if (mcpTransport(server) === "http") {
    return mcp ? { ok: true } : { ok: false, reason: `this host does not allow MCP servers (start deskfleet-host with --allow mcp); it allows ${hostAllow.join(", ") || "nothing beyond the screen"}` };
  }
  if (mcp && hostAllow.includes("shell")) return { ok: true };
  return { ok: false, reason: `it is a command run on this machine (stdio), which needs the host to allow both mcp and shell; this host allows ${hostAllow.join(", ") || "nothing beyond the screen"}` };
}

export type OpenedProfileServer = { factory: HostToolFactory; tool: HostTool };

/**
 * Connects the profile's servers this task and this host both allow, with
 * their vault references resolved for this run. `taken` are tool grants the
 * host's own servers hold (a profile server may not shadow one).
 */
export async function openProfileServers(
  ctx: TaskContext,
  o: { hostAllow: readonly string[]; taskAllow: readonly string[]; taken: readonly string[]; server?: McpServerOptions },
): Promise<OpenedProfileServer[]> {
  const opened: OpenedProfileServer[] = [];
  const say = (level: "info" | "warn", message: string) => ctx.emit("log", { level, message: truncate(message, MAX_MESSAGE_CHARS) });
  for (const [name, server] of Object.entries(ctx.task.mcpServers ?? {})) {
    const kind = `MCP server ${name} of the agent's profile (${mcpTransport(server) === "http" ? "url" : "stdio"})`;
    if (!o.taskAllow.some((g) => grants(g, `mcp:${name}`))) {
      say("info", `Skipped the ${kind}: this task's tools do not include mcp or mcp:${name}.`);
      continue;
    }
    const trust = profileServerTrust(name, server, o.hostAllow);
    if (!trust.ok) {
      say("warn", `Skipped the ${kind}: ${trust.reason}.`);
      continue;
    }
    if (o.taken.includes(`mcp:${name}`)) {
      say("warn", `Skipped the ${kind}: this host has its own MCP server named ${name} (--mcp-config); rename one of them.`);
      continue;
    }
    const config = await resolved(ctx, server);
    if (!config.ok) {
      say("warn", `Skipped the ${kind}: ${config.reason}.`);
      continue;
    }
    const factory = new McpServerTools(name, config.config, o.server);
    try {
      const tool = await factory.open();
      const count = tool.definitions().length;
      say("info", `Connected the ${kind}: ${count} tool${count === 1 ? "" : "s"} offered as mcp__${name}__….`);
      opened.push({ factory, tool: closingFactory(tool, factory) });
    } catch (err) {
      await factory.close().catch(() => undefined);
      if (ctx.signal.aborted) throw err;
      say("warn", `Skipped the ${kind}: connecting failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return opened;
}

/** What a host without any tool beyond the screen says about a profile's servers. */
export function skipAllProfileServers(ctx: TaskContext): void {
  for (const name of Object.keys(ctx.task.mcpServers ?? {})) {
    ctx.emit("log", { level: "warn", message: `Skipped the MCP server ${name} of the agent's profile: this host allows no tools beyond the screen (start deskfleet-host with --allow mcp).` });
  }
}

/** The server's config with each vault reference's value, released for this run; or which secret was not released and why. */
async function resolved(ctx: TaskContext, server: ProfileMcpServer): Promise<{ ok: true; config: McpServerConfig } | { ok: false; reason: string }> {
  const values = "url" in server ? Object.values(server.headers ?? {}) : Object.values(server.env ?? {});
  const released = new Map<string, string>();
  for (const name of new Set(values.flatMap(valueSecretNames))) {
    const r = await ctx.secretValue(name, "mcp_server");
    if (!r.ok) return { ok: false, reason: `secret \`${name}\` was not released: ${r.message}` };
    released.set(name, r.value);
  }
  const fill = (record: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, resolveSecretRefs(v, (n) => released.get(n) ?? "")]));
  if ("url" in server) return { ok: true, config: { url: server.url, headers: fill(server.headers) } };
  return { ok: true, config: { command: server.command, args: server.args ?? [], env: fill(server.env) } };
}

/** The run's tool, which also ends the connection (and a stdio server's process) when the run ends. */
function closingFactory(tool: HostTool, factory: McpServerTools): HostTool {
  return {
    definitions: () => tool.definitions(),
    run: (name, input, call) => tool.run(name, input, call),
    close: async () => {
      await Promise.resolve(tool.close?.()).catch(() => undefined);
      await factory.close();
    },
  };
}
