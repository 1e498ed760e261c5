/** `npm run build`: builds the dashboard into web/dist, which the Worker serves as static assets. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureAssetsDir, ROOT } from "./lib/local-control-plane.ts";

if (existsSync(join(ROOT, "web", "vite.config.ts"))) {
  const res = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: ROOT, stdio: "inherit" });
  process.exit(res.status ?? 1);
} else {
  ensureAssetsDir();
  console.log("web/ has no Vite app yet; wrote a minimal web/dist so the Worker can serve its API.");
}
