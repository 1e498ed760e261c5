import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Chromium in kiosk mode on an X display (not headless: it has to be on the desktop we drive). */
export function startChromiumOnDisplay(env: NodeJS.ProcessEnv, url: string, size: { width: number; height: number }): { child: ChildProcess; stop(): Promise<void> } {
  const profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
  const child = spawn(
    "chromium",
    ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--disable-features=Translate", "--noerrdialogs", "--kiosk", `--window-size=${size.width},${size.height}`, "--window-position=0,0", `--user-data-dir=${profile}`, url],
    { env, stdio: "ignore" },
  );
  return {
    child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      // Chromium's helper processes may still write to the profile for a moment after the browser exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
