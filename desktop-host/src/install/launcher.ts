import type { InstallLayout } from "./layout.ts";

/** A string as one single-quoted POSIX shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The installed `bin/deskfleet-host`: names the install folder in
 * DESKFLEET_HOME (where the host finds its config, token and env file) and
 * runs the bundle with the Node that installed it. A service starts with a
 * bare PATH that often lacks that Node (nvm, Homebrew), hence the full path;
 * PATH's node is the fallback when that one is gone.
 */
export function launcherScript(layout: InstallLayout, nodePath: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    // cmd.exe expands %…% even inside quotes: a literal % in a path is written %%.
    const cmd = (s: string) => s.replace(/%/g, "%%");
    return [
      "@echo off",
      "rem Written by the Deskfleet installer; `deskfleet-host upgrade` replaces lib\\deskfleet-host.mjs, not this file.",
      "setlocal",
      `set "DESKFLEET_HOME=${cmd(layout.home)}"`,
      `set "DESKFLEET_NODE=${cmd(nodePath)}"`,
      'if not exist "%DESKFLEET_NODE%" set "DESKFLEET_NODE=node"',
      '"%DESKFLEET_NODE%" "%DESKFLEET_HOME%\\lib\\deskfleet-host.mjs" %*',
      "",
    ].join("\r\n");
  }
  return [
    "#!/bin/sh",
    "# Written by the Deskfleet installer; `deskfleet-host upgrade` replaces lib/deskfleet-host.mjs, not this file.",
    `DESKFLEET_HOME=${shellQuote(layout.home)}`,
    "export DESKFLEET_HOME",
    `node=${shellQuote(nodePath)}`,
    '[ -x "$node" ] || node=node',
    'exec "$node" "$DESKFLEET_HOME/lib/deskfleet-host.mjs" "$@"',
    "",
  ].join("\n");
}
