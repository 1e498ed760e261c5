import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildInputsPath } from "../../web/build/build-inputs.ts";
import { dashboardState } from "./dashboard-build.ts";

const VITE_PAGE = '<!doctype html><script type="module" crossorigin src="/assets/index-abc.js"></script>\n';
const PLACEHOLDER = "<!doctype html><title>Deskfleet</title><p>Dashboard not built: run <code>npm run build -w web</code>.</p>\n";

let root: string;
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

function write(path: string, text: string, time: Date): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  utimesSync(full, time, time);
}

/** A build at t=100 made from src/main.tsx and a shared module outside web/. */
function builtAt100(): void {
  write("web/src/main.tsx", "app", at(10));
  write("workers/shared.ts", "shared", at(10));
  write("web/dist/index.html", VITE_PAGE, at(100));
  const record = join("web", "node_modules", ".cache", "deskfleet", "dashboard-inputs.json");
  expect(join(root, record)).toBe(buildInputsPath(join(root, "web")));
  write(record, JSON.stringify({ files: ["../workers/shared.ts", "src/main.tsx"] }), at(100));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "deskfleet-dashboard-state-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("dashboardState", () => {
  it("calls a clone without web/dist missing", () => {
    write("web/src/main.tsx", "app", at(10));
    expect(dashboardState(root)).toEqual({ state: "missing" });
  });

  it("calls the placeholder page missing even though it is newer than every source", () => {
    write("web/src/main.tsx", "app", at(10));
    write("web/dist/index.html", PLACEHOLDER, at(100));
    expect(dashboardState(root)).toEqual({ state: "missing" });
  });

  it("calls a build newer than every file it was made from fresh", () => {
    builtAt100();
    expect(dashboardState(root)).toEqual({ state: "fresh" });
  });

  it("names the source that changed after the build, inside web/ or outside it", () => {
    builtAt100();
    write("web/src/main.tsx", "app v2", at(200));
    expect(dashboardState(root)).toEqual({ state: "stale", reason: "web/src/main.tsx changed since the last build" });

    write("web/src/main.tsx", "app", at(10));
    write("workers/shared.ts", "shared v2", at(200));
    expect(dashboardState(root)).toEqual({ state: "stale", reason: "workers/shared.ts changed since the last build" });
  });

  it("calls a build stale when a file it was made from is gone (moved or deleted)", () => {
    builtAt100();
    rmSync(join(root, "workers/shared.ts"));
    expect(dashboardState(root)).toEqual({ state: "stale", reason: "workers/shared.ts is gone" });
  });

  it("calls a build without a record of its sources stale, so it is rebuilt once to get one", () => {
    builtAt100();
    rmSync(buildInputsPath(join(root, "web")));
    expect(dashboardState(root)).toEqual({ state: "stale", reason: "the last build left no record of its sources" });
  });
});
