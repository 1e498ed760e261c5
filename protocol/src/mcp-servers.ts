import { z } from "zod";
import { envNameProblem, envSecretName } from "./shell-env.ts";
import { placeholderNames } from "./secret-placeholders.ts";

/**
 * MCP servers an agent profile declares: `{url, headers?}` (Streamable HTTP)
 * or `{command, args?, env?}` (a stdio command run on the desktop machine).
 * They travel to the host with the assignment; the host connects with the
 * official MCP client SDK and offers their tools as `mcp__<server>__<tool>`.
 * A header or env value may be a vault reference, whole (`secret:github`) or
 * inside text (`Bearer {{secret:github}}`), released to the host for that run.
 *
 * Trust: a URL server needs the host to allow `mcp`; a stdio server runs code
 * on the desktop machine, so it needs the host to allow `mcp` and `shell`.
 */

export const MAX_PROFILE_MCP_SERVERS = 8;

export const McpServerName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, { message: "an MCP server name is 1-32 lowercase letters, digits, _ and -, starting with a letter or digit (e.g. `github`)" });

/** Header names whose plain values are credentials: they must come from the vault. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key"]);
/** Env names that look like credentials: they must come from the vault. */
const CREDENTIAL_ENV = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIAL)/i;

/** The vault secrets a header or env value names, or [] for a plain value. */
export function valueSecretNames(value: string): string[] {
  const whole = envSecretName(value);
  return whole ? [whole] : placeholderNames(value);
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const Value = z.string().min(1).max(4_096);

const Headers = z.record(z.string(), Value).superRefine((h, ctx) => {
  if (Object.keys(h).length > 20) ctx.addIssue({ code: "custom", message: "at most 20 headers" });
  for (const [name, value] of Object.entries(h)) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `\`${name}\` is not an HTTP header name` });
    else if (CREDENTIAL_HEADERS.has(name.toLowerCase()) && valueSecretNames(value).length === 0) {
      ctx.addIssue({ code: "custom", path: [name], message: `header ${name} carries a credential: put it in the vault (POST /api/secrets) and write \`secret:<name>\` or \`Bearer {{secret:<name>}}\`` });
    }
  }
});

const Env = z.record(z.string(), Value).superRefine((env, ctx) => {
  if (Object.keys(env).length > 20) ctx.addIssue({ code: "custom", message: "at most 20 variables" });
  for (const [name, value] of Object.entries(env)) {
    const problem = envNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
    else if (CREDENTIAL_ENV.test(name) && valueSecretNames(value).length === 0) {
      ctx.addIssue({ code: "custom", path: [name], message: `${name} looks like a credential: put it in the vault (POST /api/secrets) and write \`secret:<name>\`` });
    }
  }
});

export const McpHttpServer = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: "url must be an http(s) URL of a Streamable HTTP MCP server" }).max(2048),
  headers: Headers.optional(),
});
export const McpStdioServer = z.strictObject({
  command: z.string().trim().min(1).max(1_000),
  args: z.array(z.string().max(4_096)).max(50).optional(),
  env: Env.optional(),
});
export const ProfileMcpServer = z.union([McpHttpServer, McpStdioServer], { error: "an MCP server is {url, headers?} or {command, args?, env?}" });
export type ProfileMcpServer = z.infer<typeof ProfileMcpServer>;

export const ProfileMcpServers = z
  .record(McpServerName, ProfileMcpServer)
  .refine((s) => Object.keys(s).length <= MAX_PROFILE_MCP_SERVERS, { message: `an agent declares at most ${MAX_PROFILE_MCP_SERVERS} MCP servers` })
  .describe('MCP servers for this agent\'s tasks: {"name": {"url": "https://…", "headers": {"Authorization": "Bearer {{secret:github}}"}}} or {"name": {"command": "npx", "args": [...], "env": {"TOKEN": "secret:x"}}}');
export type ProfileMcpServers = z.infer<typeof ProfileMcpServers>;

export const mcpTransport = (s: ProfileMcpServer): "http" | "stdio" => ("url" in s ? "http" : "stdio");

/** Every vault secret the servers' headers and env name, each once, sorted. */
export function mcpSecretNames(servers: ProfileMcpServers | null | undefined): string[] {
  const names = new Set<string>();
  for (const s of Object.values(servers ?? {})) {
    const values = "url" in s ? Object.values(s.headers ?? {}) : Object.values(s.env ?? {});
    for (const v of values) for (const n of valueSecretNames(v)) names.add(n);
  }
  return [...names].sort();
}

/** A header or env value with its vault references replaced by their values (`resolve` gives each). */
export function resolveSecretRefs(value: string, resolve: (name: string) => string): string {
  const whole = envSecretName(value);
  if (whole) return resolve(whole);
  return value.replace(/\{\{\s*secret:([a-z0-9][a-z0-9_.-]{0,63})\s*\}\}/g, (_m, name: string) => resolve(name));
}
