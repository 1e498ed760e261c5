import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The layering rule of ARCHITECTURE.md, checked on every source file: imports
// point down, and code outside a workspace package reaches it by its package
// name (its declared entry points), never by a path into its `src/`.

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), "../.."));

/** What each part may import besides itself. Anything not listed is a consumer at the top (tests, e2e, bench, scripts). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: [],
  rfb: ["protocol"],
  db: ["protocol"],
  domain: ["db", "protocol"],
  "durable-objects": ["domain", "db", "protocol", "rfb"],
  workers: ["durable-objects", "domain", "db", "protocol"],
  "desktop-host": ["rfb", "protocol"],
  web: ["protocol"],
};

/** Workspace packages: outside their folder they are imported by name. */
const PACKAGES: Record<string, string> = { "@deskfleet/protocol": "protocol", "@deskfleet/rfb": "rfb", "deskfleet-host": "desktop-host", "@deskfleet/web": "web" };
const PACKAGE_SOURCES = ["protocol/src/", "rfb/src/", "desktop-host/src/", "web/src/"];

const SKIP_DIRS = new Set(["node_modules", ".git", ".wrangler", "build", "dist", ".ci-bundle"]);

type Import = { file: string; spec: string; target: string | null; typeOnly: boolean };

function sourceFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) out.push(...sourceFiles(join(dir, entry.name)));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      out.push(relative(ROOT, join(dir, entry.name)).split(sep).join("/"));
    }
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4]!;
    const typeOnly = m[2] !== undefined;
    let target: string | null = null;
    if (spec.startsWith(".")) target = normalize(join(dirname(file), spec)).split(sep).join("/");
    else {
      const pkg = Object.keys(PACKAGES).find((p) => spec === p || spec.startsWith(`${p}/`));
      if (pkg) target = `${PACKAGES[pkg]}/`;
    }
    found.push({ file, spec, target, typeOnly });
  }
  return found;
}

const partOf = (path: string) => path.split("/")[0]!;
const isTestCode = (file: string) => /\.test\.tsx?$/.test(file) || file.includes("/testing/");

/** Every import that breaks the rule, as `file → spec: why`. */
function violations(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const imp of imports) {
    const { file, spec, target } = imp;
    if (target === null) continue;
    const from = partOf(file);
    const to = partOf(target);
    if (to === from) continue;
    const into = spec.startsWith(".") ? PACKAGE_SOURCES.find((src) => target.startsWith(src)) : undefined;
    if (into) {
      problems.push(`${file} → ${spec}: reaches into ${into} by path; import the package by name instead`);
      continue;
    }
    const allowed = MAY_IMPORT[from];
    if (allowed === undefined || allowed.includes(to)) continue; // tests, e2e, bench and scripts sit on top
    if (to === "test-support" && isTestCode(file)) continue;
    // The dashboard's typed API client takes the route types from the Worker (Hono RPC); types only.
    if (from === "web" && target === "workers/app.ts" && imp.typeOnly) continue;
    problems.push(`${file} → ${spec}: ${from}/ may import only ${allowed.length ? allowed.join(", ") : "nothing of ours"}`);
  }
  return problems;
}

describe("layering", () => {
  it("keeps every import pointing down, and reaches packages only by name", () => {
    expect(violations(sourceFiles().flatMap(importsOf))).toEqual([]);
  });

  it("would report a Durable Object importing from the Worker, and a path into the host's sources", () => {
    const files = sourceFiles().filter((f) => f === "durable-objects/task/task-do.ts" || f === "bench/host.ts");
    expect(files).toHaveLength(2);
    const planted = (file: string, spec: string) => [{ file, spec, target: normalize(join(dirname(file), spec)).split(sep).join("/"), typeOnly: false }];
    expect(violations(planted("durable-objects/task/task-do.ts", "../../workers/app.ts"))).toEqual([
      "durable-objects/task/task-do.ts → ../../workers/app.ts: durable-objects/ may import only domain, db, protocol, rfb",
    ]);
    expect(violations(planted("bench/host.ts", "../desktop-host/src/agent/loop.ts"))).toEqual([
      "bench/host.ts → ../desktop-host/src/agent/loop.ts: reaches into desktop-host/src/ by path; import the package by name instead",
    ]);
  });
});

// The chat channel rule (domain/channels/): the supervisor, TaskDO and the notifier talk to people
// through the ChatChannel interface only, so a second chat platform changes none of them.
const CHANNEL_USERS = ["durable-objects/", "domain/supervisor/", "domain/notifications/", "domain/tasks/"];
/** Who may know Telegram by name: the Worker's bot (inbound), Telegram's own modules, and the registry that picks channels. */
const MAY_KNOW_TELEGRAM = ["workers/", "domain/telegram/", "domain/channels/registry.ts"];

function channelViolations(imports: readonly Import[]): string[] {
  return imports
    .filter((imp) => imp.target?.startsWith("domain/telegram/") && !isTestCode(imp.file) && partOf(imp.file) !== "tests")
    .filter((imp) => CHANNEL_USERS.some((p) => imp.file.startsWith(p)) || (imp.file.startsWith("domain/") && !MAY_KNOW_TELEGRAM.some((p) => imp.file.startsWith(p))))
    .map((imp) => `${imp.file} → ${imp.spec}: talk to people through domain/channels/ (ChatChannel), not Telegram by name`);
}

describe("chat channels", () => {
  it("keeps the supervisor, TaskDO and the notifier off domain/telegram: they use the ChatChannel interface", () => {
    const imports = sourceFiles().flatMap(importsOf);
    expect(channelViolations(imports)).toEqual([]);
    // The rule has something to check: those parts do reach people through the interface.
    const viaChannels = imports.filter((i) => i.target?.startsWith("domain/channels/")).map((i) => i.file);
    expect(viaChannels).toEqual(expect.arrayContaining(["durable-objects/task/task-do.ts", "domain/supervisor/external-channel.ts", "domain/notifications/default-notifier.ts"]));
  });

  it("would report SupervisorDO or TaskDO importing Telegram's outbound module directly", () => {
    const planted = (file: string, spec: string): Import[] => [{ file, spec, target: normalize(join(dirname(file), spec)).split(sep).join("/"), typeOnly: false }];
    expect(channelViolations(planted("durable-objects/supervisor/supervisor-do.ts", "../../domain/telegram/outbound.ts"))).toEqual([
      "durable-objects/supervisor/supervisor-do.ts → ../../domain/telegram/outbound.ts: talk to people through domain/channels/ (ChatChannel), not Telegram by name",
    ]);
    expect(channelViolations(planted("durable-objects/task/task-do.ts", "../../domain/telegram/help-requests.ts"))).toHaveLength(1);
    expect(channelViolations(planted("domain/channels/registry.ts", "../telegram/telegram-channel.ts"))).toEqual([]);
  });
});
