/**
 * Restores lockfile entries for other platforms' optional packages (workerd's
 * macOS and Windows builds) that `npm install` leaves out when the registry in
 * use does not carry them. Without them `npm ci` refuses the lockfile as out of
 * sync. The entries only name the package and its os/cpu, so npm skips them on
 * any other platform and never downloads them. Idempotent; run before `npm ci`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type LockEntry = { version?: string; optionalDependencies?: Record<string, string>; dev?: boolean; optional?: boolean; os?: string[]; cpu?: string[]; license?: string };

const PLATFORM: Record<string, { os: string; cpu: string }> = {
  "darwin-64": { os: "darwin", cpu: "x64" },
  "darwin-arm64": { os: "darwin", cpu: "arm64" },
  "linux-64": { os: "linux", cpu: "x64" },
  "linux-arm64": { os: "linux", cpu: "arm64" },
  "windows-64": { os: "win32", cpu: "x64" },
};

const path = join(process.argv[2] ?? process.cwd(), "package-lock.json");
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, LockEntry> };
let added = 0;
for (const [at, entry] of Object.entries(lock.packages)) {
  if (!at.endsWith("node_modules/workerd") || !entry.optionalDependencies) continue;
  const parent = at.slice(0, -"workerd".length);
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const key = `${parent}${name}`;
    if (lock.packages[key]) continue;
    const platform = PLATFORM[name.replace("@cloudflare/workerd-", "")];
    if (!platform) continue;
    lock.packages[key] = { version, cpu: [platform.cpu], dev: entry.dev ?? false, license: "Apache-2.0", optional: true, os: [platform.os] };
    added++;
  }
}
if (added > 0) {
  const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)));
  lock.packages = sorted;
  writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
}
console.log(added > 0 ? `lockfile: restored ${added} platform-only optional entries` : "lockfile: platform entries complete");
