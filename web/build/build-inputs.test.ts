import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInputs, buildInputsPath, type BuildInputs } from "./build-inputs.ts";

// A real Vite build of a tiny app whose entry imports a module outside its root,
// the way the dashboard imports workers/scheduler/.
let dir: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-build-inputs-"));
  write("app/index.html", '<!doctype html><script type="module" src="/src/main.ts"></script>\n');
  write("app/src/main.ts", 'import { greet } from "../../shared/greet.ts";\nimport type { Unused } from "../../shared/types.ts";\nconst u: Unused | null = null;\ndocument.body.textContent = greet(String(u));\n');
  write("app/src/main.test.ts", "// not imported by the app\n");
  write("app/package.json", "{}\n");
  write("shared/greet.ts", "export const greet = (name: string) => `hello ${name}`;\n");
  write("shared/types.ts", "export type Unused = string;\n");
  await build({
    root: join(dir, "app"),
    configFile: false,
    logLevel: "silent",
    plugins: [buildInputs({ also: ["index.html", "package.json"] })],
    build: { outDir: "dist", emptyOutDir: true },
  });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("buildInputs", () => {
  it("records the modules the bundle was made from, inside and outside its root, plus the extra files", () => {
    const record = JSON.parse(readFileSync(buildInputsPath(join(dir, "app")), "utf8")) as BuildInputs;
    expect(record.files).toEqual(["../shared/greet.ts", "index.html", "package.json", "src/main.ts"]);
  });

  it("keeps the record out of the served build output", () => {
    expect(buildInputsPath(join(dir, "app")).startsWith(join(dir, "app", "dist"))).toBe(false);
    expect(readFileSync(join(dir, "app", "dist", "index.html"), "utf8")).toContain('type="module"');
  });
});
