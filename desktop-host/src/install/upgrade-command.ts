import { spawnSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { compareReleases } from "@deskfleet/protocol";
import { Server } from "../cli/config.ts";
import { HOST_VERSION } from "../cli/host-info.ts";
import { restartIfInstalled } from "../service/service-command.ts";
import { replaceFile } from "./atomic-file.ts";
import { readHostConfigFile } from "./host-config-file.ts";
import { installedHome, installLayout } from "./layout.ts";
import { DownloadError, downloadVerified, fetchServedRelease, httpBase } from "./release-download.ts";

export type UpgradeDeps = {
  env: Record<string, string | undefined>;
  out: NodeJS.WritableStream;
  platform: NodeJS.Platform;
  nodePath: string;
};

export const UPGRADE_HELP = `deskfleet-host upgrade [--server <url>] [--force]

Installs the host release the control plane serves (GET /host/latest.json), after checking
its SHA-256, keeps the current one as lib/deskfleet-host.previous.mjs, and restarts the
host's service when one is installed. --force installs it even when it is not newer.
`;

/** `deskfleet-host upgrade`: the installed host replaces itself with the control plane's release; returns the exit code. */
export async function upgradeCommand(argv: readonly string[], deps: UpgradeDeps): Promise<number> {
  const say = (line: string) => deps.out.write(`${line}\n`);
  let values: { server?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { server: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (err) {
    say(`${err instanceof Error ? err.message : String(err)}\n${UPGRADE_HELP}`);
    return 2;
  }
  if (values.help) {
    deps.out.write(UPGRADE_HELP);
    return 0;
  }
  const home = installedHome(deps.env);
  if (!home) {
    say("deskfleet-host upgrade replaces an installed host (the one ~/.deskfleet/bin/deskfleet-host starts), and this one was not started that way. Install it with the line the dashboard shows (Add desktop).");
    return 2;
  }
  const layout = installLayout(home, deps.platform);
  const file = readHostConfigFile(layout.configFile);
  const rawServer = values.server ?? deps.env["DESKFLEET_SERVER"] ?? (file.ok ? file.config?.server : undefined);
  const server = Server.safeParse(rawServer);
  if (!server.success) {
    say(rawServer === undefined ? `no control plane to upgrade from: pass --server <url> (${layout.configFile} names none)` : `--server: ${server.error.issues[0]?.message}`);
    return 2;
  }
  const base = httpBase(server.data);

  try {
    const release = await fetchServedRelease(base);
    const order = compareReleases(HOST_VERSION, release.version);
    if (order === 0 && !values.force) {
      say(`deskfleet-host ${HOST_VERSION} is the release ${base} serves; nothing to do (--force installs it again).`);
      return 0;
    }
    if (order !== null && order > 0 && !values.force) {
      say(`deskfleet-host ${HOST_VERSION} is newer than the ${release.version} that ${base} serves; nothing done (--force installs ${release.version}).`);
      return 0;
    }
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    if (nodeMajor < release.nodeMajor) {
      say(`deskfleet-host ${release.version} needs Node.js ${release.nodeMajor} or newer and this is ${process.version}: upgrade Node, then run deskfleet-host upgrade again.`);
      return 1;
    }
    say(`Downloading deskfleet-host ${release.version} from ${base}…`);
    const bytes = await downloadVerified(base, release);
    say(`Checksum verified (SHA-256 ${release.sha256}).`);

    // The new bundle must start and name its release before it replaces the one that works.
    const next = layout.bundle.replace(/\.mjs$/, ".next.mjs"); // Node runs only a .mjs as an ES module
    replaceFile(next, bytes, 0o644);
    const probe = spawnSync(deps.nodePath, [next, "version"], { encoding: "utf8", timeout: 30_000 });
    if (probe.status !== 0 || probe.stdout.trim() !== release.version) {
      rmSync(next, { force: true });
      say(`✗ the downloaded bundle did not start (${probe.error?.message ?? `exit code ${probe.status}`}): ${(probe.stderr || probe.stdout).trim().slice(0, 500)}\nThe installed host was left as it was.`);
      return 1;
    }
    if (existsSync(layout.bundle)) renameSync(layout.bundle, layout.previousBundle);
    renameSync(next, layout.bundle);
    say(`✓ deskfleet-host ${HOST_VERSION} → ${release.version} (the previous one is kept as ${layout.previousBundle})`);
  } catch (err) {
    if (err instanceof DownloadError) {
      say(`✗ ${err.message}`);
      return 1;
    }
    throw err;
  }

  const desktopId = file.ok ? file.config?.desktopId : undefined;
  const restarted = desktopId ? restartIfInstalled({ desktopId, launcher: layout.launcher, platform: deps.platform, env: deps.env, out: deps.out }) : "not-installed";
  if (restarted === "restarted") say("The host's service has been restarted on the new release.");
  else if (restarted === "failed") say("! Restarting the host's service failed (see above): restart it yourself, e.g. deskfleet-host service install.");
  else say("Restart the host (stop `deskfleet-host run` and start it again) to use the new release.");
  return 0;
}
