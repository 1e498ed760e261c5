import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../runtime/logger.ts";
import { stopOnSignals } from "../cli/stop-on-signals.ts";
import { hostCommand } from "./host-command.ts";
import { Pool, type PoolStatus } from "./pool.ts";
import { parsePoolArgs, POOL_HELP, startProblems, type PoolConfig } from "./pool-args.ts";
import { askPool, CONTROL_SOCKET, servePoolControl, type PoolRequest } from "./pool-control.ts";
import { describeStatus } from "./pool-status.ts";
import { ControlPlaneAdmin } from "./registration.ts";
import { missingXSessionTools } from "./x-session.ts";

/** What the desktops' X sessions may see of this process's environment: nothing secret (any X client can read them). */
const X_ENV = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_[A-Z]+|TZ|XDG_RUNTIME_DIR|FONTCONFIG_PATH|FONTCONFIG_FILE)$/;
/** What a desktop's host must not inherit: the pool's own API token and settings meant for one host. */
const NOT_FOR_HOSTS = /^(DESKFLEET_API_TOKEN(_FILE)?|DESKFLEET_ADMIN_TOKEN|DESKFLEET_POOL_.*|DESKFLEET_HOST_TOKEN(_FILE)?|DESKFLEET_DESKTOP_ID|DESKFLEET_VNC.*|DESKFLEET_CDP)$/;

/**
 * `deskfleet-host pool`: starts a pool of desktops on this machine, or, when
 * one of that name is running already, scales it (`--count`) or shows it.
 * Returns the exit code; a started pool returns when it is stopped.
 */
export async function poolCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const parsed = parsePoolArgs(argv, env);
  if (parsed.help) {
    process.stdout.write(POOL_HELP);
    return 0;
  }
  if (parsed.problems.length > 0) return refuse(parsed.problems);
  const config = parsed.config as Partial<PoolConfig> & Pick<PoolConfig, "name" | "dir">;
  const socket = join(config.dir, CONTROL_SOCKET);
  const request: PoolRequest = config.count === undefined ? { op: "status" } : { op: "scale", count: config.count };
  const answer = await askPool(socket, request);
  if (answer) {
    if (!answer.ok) return refuse([answer.error], 1);
    process.stdout.write((config.json ? JSON.stringify(answer.status) : describeStatus(answer.status)) + "\n");
    return 0;
  }
  if (process.platform !== "linux") return refuse(["a pool starts X desktops (Xvfb, x11vnc) and needs Linux; on macOS or Windows run `deskfleet-host run` against the machine's own VNC server"]);
  const missing = missingXSessionTools();
  if (missing.length) return refuse([`missing ${missing.map((m) => m.bin).join(", ")}: sudo apt-get install -y ${missing.map((m) => m.pkg).join(" ")}`]);
  const problems = startProblems(config);
  if (problems.length) return refuse(problems);
  return runPool(config as PoolConfig, env, socket);
}

async function runPool(config: PoolConfig, env: Record<string, string | undefined>, socket: string): Promise<number> {
  const logger = createLogger({ json: config.json, secrets: [config.apiToken, env["ANTHROPIC_API_KEY"], env["ANTHROPIC_AUTH_TOKEN"]] });
  mkdirSync(config.dir, { recursive: true, mode: 0o700 });
  const hostEnv = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && !NOT_FOR_HOSTS.test(k)));
  if (config.model) hostEnv["DESKFLEET_MODEL"] = config.model;
  if (config.json) hostEnv["DESKFLEET_LOG_FORMAT"] = "json";
  const pool = new Pool({
    name: config.name,
    browserTool: (hostEnv["DESKFLEET_ALLOW"] ?? "").split(",").map((a) => a.trim()).includes("browser"),
    dir: config.dir,
    logger,
    desktop: {
      server: config.server,
      labels: config.labels,
      size: config.size,
      browser: { url: config.url, kiosk: config.kiosk },
      admin: new ControlPlaneAdmin(config.server, config.apiToken!),
      hostCommand: hostCommand(),
      hostEnv,
      xEnv: Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && X_ENV.test(k))),
      hostLog: hostLogWriter(config.json),
    },
  });
  const server = await servePoolControl(socket, (r) => (r.op === "scale" ? pool.scaleTo(r.count) : Promise.resolve(pool.status())));
  let stopping: Promise<unknown> | null = null;
  const stop = () => (stopping ??= pool.stop().catch((err: unknown) => logger.error("stopping the pool failed", { error: String(err) })));
  let stopped!: () => void;
  const ended = new Promise<void>((resolve) => (stopped = resolve));
  const release = stopOnSignals(logger, () => void stop().then(stopped));
  let code = 0;
  try {
    const status = await pool.scaleTo(config.count ?? 1);
    process.stdout.write(`${describeStatus(status)}\n\`deskfleet-host pool --name ${config.name} --count N\` scales it; Ctrl+C stops it.\n`);
  } catch (err) {
    logger.error(`the pool could not start: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
    void stop().then(stopped);
  }
  await ended;
  release();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return code;
}

/** A host's log lines, marked with its desktop: a prefix for people, a field in JSON. */
function hostLogWriter(json: boolean): (desktopId: string, line: string) => void {
  return (desktopId, line) => {
    if (json) {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        process.stderr.write(JSON.stringify({ ...parsed, desktop: desktopId }) + "\n");
        return;
      } catch {
        // not JSON: written as a message of its own below
      }
      process.stderr.write(JSON.stringify({ at: Date.now(), level: "info", msg: line, desktop: desktopId }) + "\n");
      return;
    }
    process.stderr.write(`[${desktopId}] ${line}\n`);
  };
}

function refuse(problems: readonly string[], code = 2): number {
  process.stderr.write(`deskfleet-host pool:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  return code;
}

export type { PoolStatus };
