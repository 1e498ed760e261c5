import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Plugin } from "vite";

/** Where a build records what it was made from: beside Vite's own cache, outside the served web/dist. */
export function buildInputsPath(webRoot: string): string {
  return join(webRoot, "node_modules", ".cache", "deskfleet", "dashboard-inputs.json");
}

/** Source files relative to the web root (`src/main.tsx`, `../protocol/src/api.ts`), sorted. */
export type BuildInputs = { files: string[] };

export type BuildInputsOptions = {
  /** Files that shape the build without being modules of it, relative to the web root (index.html, the lockfile). */
  also?: string[];
};

/**
 * Records every file of ours the bundle was made from — the modules Rolldown
 * loaded outside node_modules, the Vite config and what it imports, and
 * `also` — so `npm start` can tell a build older than its sources without a
 * list of folders to keep in step with the dashboard's imports (it bundles
 * code from protocol/ and workers/ too).
 */
export function buildInputs(options: BuildInputsOptions = {}): Plugin {
  let root = "";
  let configFiles: string[] = [];
  let modules: string[] = [];
  return {
    name: "deskfleet-build-inputs",
    apply: "build",
    configResolved(config) {
      root = config.root;
      configFiles = config.configFileDependencies;
    },
    generateBundle() {
      modules = [...this.getModuleIds()].map((id) => id.split("?")[0] ?? id).filter((id) => isAbsolute(id) && !id.includes(`${sep}node_modules${sep}`));
    },
    writeBundle() {
      const absolute = [...modules, ...configFiles, ...(options.also ?? []).map((f) => resolve(root, f))];
      const record: BuildInputs = { files: [...new Set(absolute.map((f) => relative(root, f).split(sep).join("/")))].sort() };
      const path = buildInputsPath(root);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(record, null, 2) + "\n");
    },
  };
}
