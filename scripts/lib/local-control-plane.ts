import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** Local secrets: generated once, never printed except the admin token, on purpose, to its owner. */
export function ensureDevVars(path = join(ROOT, ".dev.vars")): { path: string; vars: Record<string, string>; created: boolean } {
  const created = !existsSync(path);
  if (created) {
    const lines = [
      "# Written by `npm start` on first run. Local secrets only; production uses `wrangler secret put`.",
      `DESKFLEET_ADMIN_TOKEN=${randomBytes(24).toString("base64url")}`,
      `DESKFLEET_SECRET_KEY=${randomBytes(32).toString("base64url")}`,
      "",
    ];
    writeFileSync(path, lines.join("\n"), { mode: 0o600 });
  }
  return { path, vars: parseEnvFile(readFileSync(path, "utf8")), created };
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m?.[1]) out[m[1]] = (m[2] ?? "").replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/**
 * Free ports on 127.0.0.1, all held open until every one is picked so the same
 * number cannot come back twice (a probe that closes before the next would allow that).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const srv = createServer();
      srv.once("error", fail);
      srv.listen(0, "127.0.0.1", () => ok(srv));
    })),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    return typeof addr === "object" && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((srv) => new Promise<void>((done) => srv.close(() => done()))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** True when nothing listens on the port (a stopped workerd may hold it for a moment after wrangler exits). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.once("error", () => ok(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => ok(true)));
  });
}

export function runWrangler(args: string[], opts: { quiet?: boolean } = {}): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`wrangler ${args.join(" ")} exited with ${code}\n${output}`))));
  });
}

export async function applyLocalMigrations(persistTo?: string): Promise<void> {
  const args = ["d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  await runWrangler(args, { quiet: true });
}

/** The web build must exist for the assets binding; an empty shell is enough for API-only runs. */
export function ensureAssetsDir(): void {
  const dist = join(ROOT, "web", "dist");
  if (!existsSync(join(dist, "index.html"))) {
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>Deskfleet</title><p>Dashboard not built: run <code>npm run build -w web</code>.</p>\n");
  }
}

export type LocalControlPlane = {
  url: string;
  port: number;
  adminToken: string;
  persistTo: string;
  /** Stops the Worker process (local state stays on disk). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port with the same state: a deploy or crash. */
  restart(): Promise<void>;
  logs(): string;
};

export type StartOptions = {
  persistTo: string;
  port?: number;
  envFile?: string;
  vars?: Record<string, string>;
  /** Echo the Worker's output (npm start); tests keep it in memory for failure reports. */
  inherit?: boolean;
  /** Extra environment for wrangler itself (e.g. `X_LOCAL_OBSERVABILITY=false`). */
  env?: Record<string, string>;
  /**
   * Tests only: bind the Workers AI stand-in (test-support/workers-bindings/ai-service.ts) as the
   * Worker's `AI`, a service binding to a second local Worker, because `wrangler dev` cannot run
   * Workers AI offline. Production configuration never names it.
   */
  aiStandIn?: boolean;
};

/**
 * wrangler.toml plus a service binding `AI` to the stand-in Worker, written beside the test's state
 * (paths made absolute), and the stand-in's own config: the two `-c` files `wrangler dev` runs together.
 */
function aiStandInConfigs(dir: string): string[] {
  const main = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main = "(.+)"$/m, (_m, p: string) => `main = ${JSON.stringify(join(ROOT, p))}`)
    .replace(/^directory = "(.+)"$/m, (_m, p: string) => `directory = ${JSON.stringify(join(ROOT, p))}`)
    .replace(/^migrations_dir = "(.+)"$/m, (_m, p: string) => `migrations_dir = ${JSON.stringify(join(ROOT, p))}`)
    .replace(/^#:schema .*$/m, "");
  if (/^\[ai\]/m.test(main)) throw new Error("wrangler.toml binds Workers AI itself; the AI stand-in would clash with it");
  // The service binding goes before the first table that follows top-level keys' tables: appended at the end is fine in TOML.
  const mainPath = join(dir, "wrangler.ai-stand-in.main.toml");
  writeFileSync(mainPath, `${main}\n[[services]]\nbinding = "AI"\nservice = "deskfleet-ai-stand-in"\nentrypoint = "AiStandIn"\n`);
  const standInPath = join(dir, "wrangler.ai-stand-in.toml");
  writeFileSync(standInPath, [
    `name = "deskfleet-ai-stand-in"`,
    `main = ${JSON.stringify(join(ROOT, "test-support", "workers-bindings", "ai-service.ts"))}`,
    `compatibility_date = "2026-11-01"`,
    "",
  ].join("\n"));
  return [mainPath, standInPath];
}

/** Starts the real Worker under `wrangler dev` with local D1, R2 and Durable Objects. */
export async function startLocalControlPlane(opts: StartOptions): Promise<LocalControlPlane> {
  mkdirSync(opts.persistTo, { recursive: true });
  ensureAssetsDir();
  const envFile = opts.envFile ?? join(opts.persistTo, "test.dev.vars");
  if (!opts.envFile) {
    writeFileSync(envFile, `DESKFLEET_ADMIN_TOKEN=${randomBytes(24).toString("base64url")}\nDESKFLEET_SECRET_KEY=${randomBytes(32).toString("base64url")}\n`);
  }
  const adminToken = parseEnvFile(readFileSync(envFile, "utf8"))["DESKFLEET_ADMIN_TOKEN"] ?? "";
  await applyLocalMigrations(opts.persistTo);
  let port = opts.port ?? (await freePort());
  let started = false;
  let child: ChildProcess | null = null;
  let output = "";

  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce();
      } catch (err) {
        // Another process can take a probed port before wrangler binds it; try again with fresh ones.
        if (attempt >= 3 || !/Address already in use/.test(err instanceof Error ? err.message : "")) throw err;
        if (!started && opts.port === undefined) port = await freePort();
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  const startOnce = async () => {
    const deadlineFree = Date.now() + 10_000;
    while (!(await portIsFree(port)) && Date.now() < deadlineFree) await new Promise((r) => setTimeout(r, 100));
    let inspector = port;
    while (inspector === port) inspector = await freePort();
    const configs = opts.aiStandIn ? aiStandInConfigs(opts.persistTo).flatMap((c) => ["-c", c]) : [];
    const args = [WRANGLER, "dev", ...configs, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", opts.persistTo, "--env-file", envFile, "--show-interactive-dev-session=false", "--inspector-port", String(inspector), "--test-scheduled"];
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...opts.env } });
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.length > 2_000_000) output = output.slice(-1_000_000);
      if (opts.inherit) process.stdout.write(d);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.slice(-4000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`);
        if (res.ok) {
          started = true;
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on port ${port} within 60 s:\n${output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((done) => {
      c.once("exit", () => done());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 5000).unref();
    });
  };

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminToken,
    persistTo: opts.persistTo,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    logs: () => output,
  };
}
