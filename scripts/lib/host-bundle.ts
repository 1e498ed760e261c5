/**
 * The host as one file the control plane serves: `npm run build` bundles
 * desktop-host/ (with the RFB and protocol packages, the Anthropic SDK, ws and
 * zod) into `web/dist/host/<version>/deskfleet-host-<version>.mjs`, its SHA-256
 * beside it and in `web/dist/host/latest.json`, and copies the installer
 * templates the Worker fills in for `GET /install.sh` and `GET /install.ps1`.
 * Node 22 or newer is its only requirement.
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { HOST_NODE_MAJOR, HOST_RELEASE, hostBundlePath, HostReleaseManifest } from "@deskfleet/protocol";

/** Relative to the repository root. */
export const HOST_ASSETS = join("web", "dist", "host");
export const INSTALLER_TEMPLATES = ["install.sh", "install.ps1"] as const;

// ws loads these native add-ons when present and falls back when not; the bundle stays pure JavaScript.
const OPTIONAL_NATIVE = ["bufferutil", "utf-8-validate"];
// An ES module bundle has no `require`; ws and the SDK's CommonJS parts need one for Node's built-ins.
const BANNER = 'import { createRequire as __deskfleetCreateRequire } from "node:module"; const require = __deskfleetCreateRequire(import.meta.url);';

export type HostBundle = { manifest: HostReleaseManifest; file: string; ms: number };

export async function buildHostBundle(root: string): Promise<HostBundle> {
  const started = performance.now();
  const out = join(root, HOST_ASSETS);
  // Only the current release is served; an older bundle left behind would be served by nobody.
  rmSync(out, { recursive: true, force: true });
  const path = hostBundlePath(HOST_RELEASE);
  const file = join(root, "web", "dist", path);
  await build({
    entryPoints: [join(root, "desktop-host", "bin", "deskfleet-host.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${HOST_NODE_MAJOR}`,
    // playwright-core reads its own package files at run time and cannot live in one bundled file; the
    // browser tool loads it on first use and says how to install it beside the host (README).
    external: [...OPTIONAL_NATIVE, "playwright-core"],
    banner: { js: BANNER },
    // Whitespace and syntax only: names stay, so a stack trace a user sends is readable.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "eof",
    logLevel: "warning",
  });
  const bytes = readFileSync(file);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(`${file}.sha256`, `${sha256}  deskfleet-host-${HOST_RELEASE}.mjs\n`);
  const manifest = HostReleaseManifest.parse({ version: HOST_RELEASE, path, sha256, bytes: bytes.length, nodeMajor: HOST_NODE_MAJOR });
  writeFileSync(join(out, "latest.json"), JSON.stringify(manifest, null, 2) + "\n");
  mkdirSync(join(out, "installer"), { recursive: true });
  for (const t of INSTALLER_TEMPLATES) copyFileSync(join(root, "desktop-host", "install", t), join(out, "installer", t));
  return { manifest, file, ms: performance.now() - started };
}

export type HostBundleState = { state: "fresh" } | { state: "missing" } | { state: "stale"; reason: string };

/** Sources the bundle is made from: a change to any of them after the last build makes it stale. */
const SOURCES = ["desktop-host/bin", "desktop-host/src", "desktop-host/install", "desktop-host/package.json", "rfb/src", "rfb/package.json", "protocol/src", "protocol/package.json", "package-lock.json"];

export function hostBundleState(root: string): HostBundleState {
  let builtAt: number;
  try {
    const manifest = HostReleaseManifest.parse(JSON.parse(readFileSync(join(root, HOST_ASSETS, "latest.json"), "utf8")));
    if (manifest.version !== HOST_RELEASE) return { state: "stale", reason: `the last build is release ${manifest.version}, the sources are ${HOST_RELEASE}` };
    builtAt = statSync(join(root, "web", "dist", manifest.path)).mtimeMs;
    for (const t of INSTALLER_TEMPLATES) statSync(join(root, HOST_ASSETS, "installer", t));
  } catch {
    return { state: "missing" };
  }
  for (const source of SOURCES) {
    const changed = newestChange(join(root, source));
    if (changed && changed.at > builtAt) return { state: "stale", reason: `${relative(root, changed.file)} changed since the last build` };
  }
  return { state: "fresh" };
}

function newestChange(path: string): { file: string; at: number } | null {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return null;
  }
  if (!stat.isDirectory()) return { file: path, at: stat.mtimeMs };
  let newest: { file: string; at: number } | null = null;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules") continue;
    const found = newestChange(join(path, entry));
    if (found && (!newest || found.at > newest.at)) newest = found;
  }
  return newest;
}

/** Builds the bundle when it is missing or older than its sources (npm start, the system and e2e tests). */
export async function ensureHostBundle(root: string, log: (line: string) => void = () => undefined): Promise<HostReleaseManifest> {
  const state = hostBundleState(root);
  if (state.state === "fresh") return HostReleaseManifest.parse(JSON.parse(readFileSync(join(root, HOST_ASSETS, "latest.json"), "utf8")));
  log(state.state === "missing" ? "Building the host bundle…" : `Rebuilding the host bundle: ${state.reason}…`);
  const built = await buildHostBundle(root);
  log(`Host bundle ${built.manifest.version} built in ${(built.ms / 1000).toFixed(1)} s (${(built.manifest.bytes / 1024 / 1024).toFixed(1)} MiB).`);
  return built.manifest;
}
