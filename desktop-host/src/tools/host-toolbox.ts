import type { Logger } from "../runtime/logger.ts";
import { browserTool } from "./browser/browser-tool.ts";
import { filesTool } from "./files/files-tool.ts";
import type { HostToolFactory } from "./host-tool.ts";
import { readMcpConfig } from "./mcp/mcp-config.ts";
import { McpServerTools } from "./mcp/mcp-server-tool.ts";
import { shellTool } from "./shell/bash-tool.ts";
import type { ShellEnvSource } from "./shell/env-source.ts";
import { HostToolbox } from "./toolbox.ts";
import { webFetchTool } from "./web/web-fetch.ts";

// The toolbox `deskfleet-host run` builds from its flags: a factory for each
// tool the owner allowed and the host can have (a browser needs --cdp, MCP
// servers need --mcp-config).

export type HostToolSettings = {
  allow: readonly string[];
  cdp?: string | undefined;
  mcpConfig?: string | undefined;
  toolsDir?: string | undefined;
  filesRoots?: readonly string[] | undefined;
  env?: ShellEnvSource;
  logger?: Logger;
};

export function hostToolbox(s: HostToolSettings): HostToolbox | null {
  if (s.allow.length === 0) return null;
  const allows = (grant: string) => s.allow.includes(grant) || (grant.startsWith("mcp:") && s.allow.includes("mcp"));
  const factories: HostToolFactory[] = [];
  if (allows("shell")) factories.push(shellTool(s.env ? { env: s.env } : {}));
  if (allows("files")) factories.push(filesTool());
  if (allows("browser") && s.cdp) factories.push(browserTool({ cdpUrl: s.cdp }));
  if (allows("web")) factories.push(webFetchTool());
  if (s.mcpConfig) {
    for (const [name, config] of Object.entries(readMcpConfig(s.mcpConfig).servers)) {
      if (allows(`mcp:${name}`)) factories.push(new McpServerTools(name, config, { onStderr: (line) => s.logger?.debug(`mcp ${name}: ${line.trim()}`) }));
    }
  }
  return new HostToolbox({ allow: s.allow, factories, workspace: { ...(s.toolsDir ? { base: s.toolsDir } : {}), ...(s.filesRoots ? { extraRoots: s.filesRoots } : {}) } });
}
