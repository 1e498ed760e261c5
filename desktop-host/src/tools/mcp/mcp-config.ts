import { readFileSync } from "node:fs";
import { z } from "zod";

// The MCP servers a host offers (`--mcp-config <file>`): a stdio command run
// on this machine, or an HTTP URL (streamable HTTP). Each server's tools are
// offered as `mcp__<server>__<tool>` when the host and the task allow
// `mcp` or `mcp:<server>`.

const ServerName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, { message: "a server name is 1-32 lowercase letters, digits, _ and -" });
const Stdio = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Only these variables (plus the SDK's safe defaults: PATH, HOME…) reach the server: never the host's token or API key. */
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
});
const Http = z.strictObject({ url: z.url({ protocol: /^https?$/ }), headers: z.record(z.string(), z.string()).default({}) });
export const McpServerConfig = z.union([Stdio, Http]);
export type McpServerConfig = z.infer<typeof McpServerConfig>;
export const McpConfig = z.strictObject({ servers: z.record(ServerName, McpServerConfig) });
export type McpConfig = z.infer<typeof McpConfig>;

export function readMcpConfig(path: string): McpConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read --mcp-config ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = McpConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--mcp-config ${path}: ${issue?.path.join(".") || "file"}: ${issue?.message ?? "invalid"}; expected {"servers": {"name": {"command": "…", "args": […]} or {"url": "https://…"}}}`);
  }
  return parsed.data;
}
