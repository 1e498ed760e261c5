import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { shellTool } from "../shell/bash-tool.ts";
import { filesTool } from "../files/files-tool.ts";
import { webFetchTool } from "../web/web-fetch.ts";
import { HostToolbox } from "../toolbox.ts";
import type { HostToolFactory } from "../host-tool.ts";

// TEST SUPPORT ONLY: a toolbox whose task folders live in a temporary
// directory removed after each test.

export function toolboxes() {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (allow: string[], more: HostToolFactory[] = []) => {
    const base = mkdtempSync(join(tmpdir(), "deskfleet-tools-"));
    dirs.push(base);
    const toolbox = new HostToolbox({ allow, factories: [shellTool({ inactivityTimeoutMs: 10_000 }), filesTool(), webFetchTool({ timeoutMs: 5_000 }), ...more], workspace: { base } });
    return { toolbox, base };
  };
}
