/**
 * `npm run build`: the dashboard into web/dist, then the host bundle, its
 * checksum and the installer templates into web/dist/host/ (after the
 * dashboard: Vite empties web/dist). The Worker serves both as static assets.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureAssetsDir, ROOT } from "./lib/local-control-plane.ts";
import { buildHostBundle } from "./lib/host-bundle.ts";

if (existsSync(join(ROOT, "web", "vite.config.ts"))) {
  const res = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: ROOT, stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
} else {
  ensureAssetsDir();
  console.log("web/ has no Vite app yet; wrote a minimal web/dist so the Worker can serve its API.");
}
const host = await buildHostBundle(ROOT);
const mib = (host.manifest.bytes / 1024 / 1024).toFixed(2);
console.log(`host bundle: web/dist${host.manifest.path} (${mib} MiB, sha256 ${host.manifest.sha256}) in ${(host.ms / 1000).toFixed(1)} s`);
