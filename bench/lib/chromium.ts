import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Chromium in kiosk mode on an X display (not headless: it has to be on the desktop we drive), with a remote debugging port when asked. */
export function startChromiumOnDisplay(env: NodeJS.ProcessEnv, url: string, size: { width: number; height: number }, options: { cdpPort?: number } = {}): { child: ChildProcess; stop(): Promise<void> } {
  const profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
  const child = spawn(
    "chromium",
    ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--disable-features=Translate", "--noerrdialogs", "--kiosk", `--window-size=${size.width},${size.height}`, "--window-position=0,0", `--user-data-dir=${profile}`,
      // The browser tool's way in (deskfleet-host --cdp), bound to loopback only.
      ...(options.cdpPort !== undefined ? [`--remote-debugging-port=${options.cdpPort}`, "--remote-debugging-address=127.0.0.1"] : []), url],
    // Its own process group, so stopping it reaches its helper processes too (they outlive the browser otherwise).
    { env, stdio: "ignore", detached: true },
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        signalGroup("SIGTERM");
        const t = setTimeout(() => signalGroup("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      // Helpers that ignored SIGTERM would keep writing to the profile while it is removed.
      signalGroup("SIGKILL");
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
