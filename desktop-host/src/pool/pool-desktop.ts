import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { DesktopResources } from "@deskfleet/protocol";
import type { Logger } from "../runtime/logger.ts";
import { DesktopSampler } from "../resources/desktop-sampler.ts";
import { RESOURCES_FROM_PARENT, type ResourcesFromParent } from "../resources/resource-source.ts";
import { DesktopRemovedError, type ControlPlaneAdmin } from "./registration.ts";
import { Supervised, terminate, type SupervisedEvent } from "./supervised-process.ts";
import { XSession } from "./x-session.ts";

export type PoolDesktopOptions = {
  id: string;
  server: string;
  labels: readonly string[];
  size: { width: number; height: number };
  browser: { url: string; kiosk: boolean };
  vncPort: number;
  /** Chromium's remote debugging port, when its host offers the browser tool (DESKFLEET_ALLOW has browser). */
  cdpPort?: number | undefined;
  /** This desktop's own folder (mode 0700): its browser profile and VNC password file. */
  dir: string;
  admin: ControlPlaneAdmin;
  /** `deskfleet-host` as this installation starts it (host-command.ts). */
  hostCommand: readonly string[];
  /** The host's environment: the Anthropic key and settings, never the pool's API token. */
  hostEnv: NodeJS.ProcessEnv;
  /** The X session's environment: no secrets at all. */
  xEnv: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the host's own log lines go, one at a time. */
  hostLog: (desktopId: string, line: string) => void;
  /** How often the desktop's processes are measured. Default 5 s. */
  sampleEveryMs?: number;
  /** The desktop was removed on the control plane: the pool stops it instead of adding it again. */
  onRemoved?: (id: string, message: string) => void;
};

export type PoolDesktopStatus = {
  id: string;
  display: number | null;
  vncPort: number;
  cdpPort: number | null;
  /** Every process up: X server, window manager, VNC server, browser, host. */
  running: boolean;
  processes: Record<"x" | "windowManager" | "vnc" | "browser" | "host", { pid: number | null; restarts: number }>;
  resources: DesktopResources | null;
};

/**
 * One desktop of a pool: its X session (X server, window manager, VNC
 * server, browser) and its own `deskfleet-host run`, each restarted when it
 * exits. The pool measures the desktop's processes and hands the figures to
 * its host, which sends them with its heartbeats.
 */
export class PoolDesktop {
  readonly id: string;
  readonly #o: PoolDesktopOptions;
  readonly #session: XSession;
  readonly #host: Supervised;
  readonly #sampler: DesktopSampler;
  readonly #passwordFile: string;
  #hostChild: ChildProcess | null = null;
  #hostToken: string | null = null;
  #latest: DesktopResources | null = null;
  #sampling: ReturnType<typeof setInterval> | null = null;

  constructor(options: PoolDesktopOptions) {
    this.id = options.id;
    this.#o = options;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.#passwordFile = join(options.dir, "vnc-password");
    const onEvent = (e: SupervisedEvent) => this.#onEvent(e);
    this.#session = new XSession({
      size: options.size,
      vncPort: options.vncPort,
      vncPasswordFile: this.#passwordFile,
      browser: { ...options.browser, profileDir: join(options.dir, "chromium"), cdpPort: options.cdpPort },
      env: options.xEnv,
      onEvent,
    });
    this.#host = new Supervised({ name: "host", start: () => this.#startHost(), kill: (c) => terminate(c, 10_000), restart: { firstMs: 1_000 }, onEvent });
    this.#sampler = new DesktopSampler({ roots: () => [...this.#session.pids(), ...(this.#host.pid ? [this.#host.pid] : [])] });
  }

  /** Registers the desktop, starts its session and its host; resolves once the VNC server is up and the host started. */
  async start(): Promise<void> {
    await this.#o.admin.ensureDesktop(this.id, { name: this.id, labels: this.#o.labels });
    this.#hostToken = await this.#o.admin.issueHostToken(this.id);
    // A new password each start, for x11vnc and the host alone (a file: a flag would show in ps).
    writeFileSync(this.#passwordFile, randomBytes(12).toString("base64url") + "\n", { mode: 0o600 });
    await this.#session.start();
    await this.#host.start();
    this.#sampler.sample();
    this.#sampling = setInterval(() => this.#sample(), this.#o.sampleEveryMs ?? 5_000);
  }

  /** Stops the host first (its running task is cancelled and its events stored), then the session. */
  async stop(): Promise<void> {
    if (this.#sampling) clearInterval(this.#sampling);
    this.#sampling = null;
    await this.#host.stop();
    await this.#session.stop();
  }

  status(): PoolDesktopStatus {
    const s = this.#session;
    const proc = (p: { pid: number | null; restarts: number }) => ({ pid: p.pid, restarts: p.restarts });
    const processes = { x: proc(s.x), windowManager: proc(s.windowManager), vnc: proc(s.vnc), browser: proc(s.browser), host: proc(this.#host) };
    return {
      id: this.id,
      display: s.display,
      vncPort: this.#o.vncPort,
      cdpPort: this.#o.cdpPort ?? null,
      running: Object.values(processes).every((p) => p.pid !== null),
      processes,
      resources: this.#latest,
    };
  }

  #sample(): void {
    try {
      this.#latest = this.#sampler.sample();
    } catch (err) {
      this.#o.logger.debug("could not measure the desktop", { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    const child = this.#hostChild;
    if (child?.connected) child.send({ type: "resources", resources: this.#latest } satisfies ResourcesFromParent, () => undefined);
  }

  async #startHost(): Promise<ChildProcess> {
    // A host that exited on its own may have been refused (its token replaced, the desktop removed): a new
    // token for a desktop that still exists; a removed one stays removed (a person decided that).
    if (this.#hostToken === null) {
      try {
        await this.#o.admin.ensureDesktop(this.id, { name: this.id, labels: this.#o.labels }, { create: false });
      } catch (err) {
        if (err instanceof DesktopRemovedError) this.#o.onRemoved?.(this.id, err.message);
        throw err;
      }
      this.#hostToken = await this.#o.admin.issueHostToken(this.id);
    }
    const [command, ...args] = this.#o.hostCommand;
    const child = spawn(command!, [...args, "run"], {
      env: {
        ...this.#o.hostEnv,
        DESKFLEET_SERVER: this.#o.server,
        DESKFLEET_DESKTOP_ID: this.id,
        DESKFLEET_HOST_TOKEN: this.#hostToken,
        DESKFLEET_VNC: `127.0.0.1:${this.#o.vncPort}`,
        DESKFLEET_VNC_PASSWORD_FILE: this.#passwordFile,
        ...(this.#o.cdpPort !== undefined ? { DESKFLEET_CDP: `http://127.0.0.1:${this.#o.cdpPort}` } : {}),
        // Task folders of the shell and file tools, one place per desktop unless the pool was given one.
        DESKFLEET_TOOLS_DIR: this.#o.hostEnv["DESKFLEET_TOOLS_DIR"] ?? join(this.#o.dir, "tasks"),
        [RESOURCES_FROM_PARENT]: "1",
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    for (const stream of [child.stdout!, child.stderr!]) forwardLines(stream, (line) => this.#o.hostLog(this.id, line));
    child.once("exit", (code) => {
      if (code !== 0) this.#hostToken = null;
    });
    this.#hostChild = child;
    return child;
  }

  #onEvent(e: SupervisedEvent): void {
    const log = this.#o.logger;
    if (e.kind === "started") {
      if (e.restarts > 0) log.info(`${e.name} restarted`, { pid: e.pid, restarts: e.restarts });
      return;
    }
    if (e.kind === "exited") log.warn(`${e.name} exited; restarting`, { code: e.code, signal: e.signal, inMs: e.restartInMs });
    else log.error(`${e.name} could not start; retrying`, { error: e.error, inMs: e.restartInMs });
  }
}

/** Each complete line of a child's output, as it comes. */
function forwardLines(stream: NodeJS.ReadableStream, write: (line: string) => void): void {
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) write(line);
  });
  stream.on("end", () => {
    if (rest.trim()) write(rest);
  });
}
