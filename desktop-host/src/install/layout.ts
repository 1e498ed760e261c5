import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where an installed host keeps its files, under one folder (`~/.deskfleet`
 * unless `--prefix` says otherwise):
 *
 *   bin/deskfleet-host       the launcher (sets DESKFLEET_HOME, runs the bundle with the Node that installed it)
 *   lib/deskfleet-host.mjs   the bundle; `upgrade` replaces it and keeps the last one as deskfleet-host.previous.mjs
 *   config.json              server, desktop, VNC address (no secrets)
 *   host-token               the host token, readable by its owner only
 *   env                      ANTHROPIC_API_KEY and other secrets for the host, readable by its owner only
 */
export type InstallLayout = {
  home: string;
  bin: string;
  lib: string;
  launcher: string;
  bundle: string;
  previousBundle: string;
  configFile: string;
  tokenFile: string;
  envFile: string;
};

export function defaultHome(): string {
  return join(homedir(), ".deskfleet");
}

export function installLayout(home: string, platform: NodeJS.Platform = process.platform): InstallLayout {
  const bin = join(home, "bin");
  const lib = join(home, "lib");
  return {
    home,
    bin,
    lib,
    launcher: join(bin, platform === "win32" ? "deskfleet-host.cmd" : "deskfleet-host"),
    bundle: join(lib, "deskfleet-host.mjs"),
    previousBundle: join(lib, "deskfleet-host.previous.mjs"),
    configFile: join(home, "config.json"),
    tokenFile: join(home, "host-token"),
    envFile: join(home, "env"),
  };
}

/** The installed host's folder, which its launcher names in DESKFLEET_HOME; null for a host run from the sources. */
export function installedHome(env: Record<string, string | undefined>): string | null {
  return env["DESKFLEET_HOME"] || null;
}
