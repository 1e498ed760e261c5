import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type BrowserOptions = {
  url: string;
  size: { width: number; height: number };
  /** Chromium's profile: a pool keeps one per desktop, so sign-ins survive restarts. */
  profileDir: string;
  /** Full screen without tabs or address bar: a desktop for one web app. */
  kiosk?: boolean;
  /** For tests and benchmarks: no background traffic or updates, and no sandbox (CI containers often cannot give it namespaces). */
  quiet?: boolean;
  /** Chromium's remote debugging port on 127.0.0.1, for the host's browser tool (`--allow browser`). */
  cdpPort?: number | undefined;
};

/** Chromium's command line for a desktop the agent drives (not headless: it has to be on the screen we see). */
export function chromiumArgs(o: BrowserOptions): string[] {
  return [
    // Chromium refuses to run as root with its sandbox (containers often run as root).
    ...(process.getuid?.() === 0 || o.quiet ? ["--no-sandbox"] : []),
    "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--noerrdialogs",
    // No keyring on a headless X display: without this Chromium asks for one in a dialog.
    "--password-store=basic",
    // After a crash or a kill, no "restore pages?" bubble over what the agent sees.
    "--hide-crash-restore-bubble", "--disable-session-crashed-bubble",
    "--disable-features=Translate",
    ...(o.quiet ? ["--disable-background-networking", "--disable-component-update", "--disable-sync"] : []),
    ...(o.kiosk ? ["--kiosk"] : ["--start-maximized"]),
    `--window-size=${o.size.width},${o.size.height}`, "--window-position=0,0", `--user-data-dir=${o.profileDir}`,
    // The browser tool's way in (deskfleet-host --cdp), bound to loopback only.
    ...(o.cdpPort !== undefined ? [`--remote-debugging-port=${o.cdpPort}`, "--remote-debugging-address=127.0.0.1"] : []),
    o.url,
  ];
}

/** Starts Chromium in its own process group, so stopping it reaches its helper processes too (they outlive the browser otherwise). */
export function spawnChromium(env: NodeJS.ProcessEnv, options: BrowserOptions): ChildProcess {
  return spawn("chromium", chromiumArgs(options), { env, stdio: "ignore", detached: true });
}

/** Ends Chromium and every helper in its group: SIGTERM, SIGKILL after 3 s, and SIGKILL again for helpers that ignored it. */
export async function stopChromium(child: ChildProcess): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    signalGroup("SIGTERM");
    const t = setTimeout(() => signalGroup("SIGKILL"), 3_000);
    await exited;
    clearTimeout(t);
  }
  // Helpers that outlived the browser would keep writing to the profile.
  signalGroup("SIGKILL");
}

/**
 * Chromium on an X display with a throwaway profile, for tests and
 * benchmarks: kiosk mode and no background traffic, removed on stop.
 */
export function startChromiumOnDisplay(env: NodeJS.ProcessEnv, url: string, size: { width: number; height: number }, options: { cdpPort?: number } = {}): { child: ChildProcess; stop(): Promise<void> } {
  const profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
  const child = spawnChromium(env, { url, size, profileDir: profile, kiosk: true, quiet: true, cdpPort: options.cdpPort });
  return {
    child,
    stop: async () => {
      await stopChromium(child);
      for (let attempt = 1; ; attempt++) {
        try {
          rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
          return;
        } catch (err) {
          if (attempt >= 5) {
            console.warn(`could not remove Chromium's profile ${profile}: ${err instanceof Error ? err.message : err}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
  };
}
