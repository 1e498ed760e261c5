/**
 * Whether web/dist holds a dashboard built from the sources as they are now,
 * and building it when not: `npm start` on a fresh clone (or after a pull that
 * changed the dashboard) must serve the real app, not a placeholder.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildInputsPath, type BuildInputs } from "../../web/build/build-inputs.ts";

export type DashboardState =
  | { state: "fresh" }
  /** No build yet, or only the placeholder page `startLocalControlPlane` writes for API-only runs. */
  | { state: "missing" }
  | { state: "stale"; reason: string };

/** Compares the last build (web/dist/index.html) with the modification times of the files it was made from. */
export function dashboardState(root: string): DashboardState {
  const web = join(root, "web");
  const index = join(web, "dist", "index.html");
  let builtAt: number;
  try {
    // Vite's page loads the app as a module script; the placeholder has none.
    if (!readFileSync(index, "utf8").includes('type="module"')) return { state: "missing" };
    builtAt = statSync(index).mtimeMs;
  } catch {
    return { state: "missing" };
  }
  let inputs: BuildInputs;
  try {
    inputs = JSON.parse(readFileSync(buildInputsPath(web), "utf8")) as BuildInputs;
  } catch {
    return { state: "stale", reason: "the last build left no record of its sources" };
  }
  for (const file of inputs.files) {
    const shown = relative(root, join(web, file));
    let changedAt: number;
    try {
      changedAt = statSync(join(web, file)).mtimeMs;
    } catch {
      return { state: "stale", reason: `${shown} is gone` };
    }
    if (changedAt > builtAt) return { state: "stale", reason: `${shown} changed since the last build` };
  }
  return { state: "fresh" };
}

export type BuildResult = { ok: boolean; ms: number; output: string };

/** `npm run build -w web`, its output kept for a failure report. */
export function buildDashboard(root: string): BuildResult {
  const started = performance.now();
  // A NODE_ENV left in the environment (vitest sets "test") would make Vite bundle React's development build.
  const { NODE_ENV: _ignored, ...env } = process.env;
  const res = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: root, env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}${res.error ? String(res.error) : ""}`;
  return { ok: res.status === 0, ms: performance.now() - started, output };
}
