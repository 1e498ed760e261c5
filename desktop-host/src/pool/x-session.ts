import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { spawnChromium, stopChromium } from "./browser.ts";
import { Supervised, type SupervisedEvent } from "./supervised-process.ts";

/** The programs a pool desktop runs, and the Debian packages that hold them. */
export const X_SESSION_TOOLS = [
  { bin: "Xvfb", pkg: "xvfb" },
  { bin: "openbox", pkg: "openbox" },
  { bin: "x11vnc", pkg: "x11vnc" },
  { bin: "chromium", pkg: "chromium" },
] as const;

export function missingXSessionTools(): { bin: string; pkg: string }[] {
  return X_SESSION_TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t.bin}`]).status !== 0);
}

export type XSessionOptions = {
  size: { width: number; height: number };
  /** The VNC server's port on 127.0.0.1: fixed for the desktop's life, so its host never has to be told of a restart. */
  vncPort: number;
  /** x11vnc reads the password from this file (a password on its command line would show in ps). */
  vncPasswordFile: string;
  browser: { url: string; profileDir: string; kiosk: boolean; cdpPort?: number | undefined };
  /** The environment of every process here: no secrets (they are X clients anyone on the display could inspect). */
  env: NodeJS.ProcessEnv;
  onEvent?: (event: SupervisedEvent) => void;
  /** How long a process may take to become usable. Default 20 s (Chromium and X are slow on a busy machine). */
  startTimeoutMs?: number;
};

/**
 * One desktop's processes: an X server (Xvfb), a window manager (openbox),
 * a VNC server bound to localhost (x11vnc, with a password) and a browser
 * (Chromium, its own profile). Each is restarted when it exits; when the X
 * server goes, the others go with it and come back once a new X server is
 * up (on whichever display number is free: nothing outside depends on it,
 * the host reaches the desktop through the VNC port, which stays the same).
 */
export class XSession {
  readonly #o: XSessionOptions;
  readonly x: Supervised;
  readonly windowManager: Supervised;
  readonly vnc: Supervised;
  readonly browser: Supervised;
  #display: number | null = null;
  #lastBrowser: ChildProcess | null = null;
  #xWaiters: ((display: number | null) => void)[] = [];
  #stopped = false;

  constructor(options: XSessionOptions) {
    this.#o = options;
    const onEvent = options.onEvent;
    this.x = new Supervised({ name: "X server", start: () => this.#startX(), ...(onEvent ? { onEvent } : {}) });
    this.windowManager = new Supervised({ name: "window manager", start: () => this.#afterX((env) => this.#startOpenbox(env)), ...(onEvent ? { onEvent } : {}) });
    this.vnc = new Supervised({ name: "VNC server", start: () => this.#afterX((env) => this.#startX11vnc(env)), ...(onEvent ? { onEvent } : {}) });
    this.browser = new Supervised({
      name: "browser",
      start: () => this.#afterX(async (env) => this.#startBrowser(env)),
      kill: stopChromium,
      ...(onEvent ? { onEvent } : {}),
    });
  }

  /** The X display now, or null while the X server is down. */
  get display(): number | null {
    return this.#display;
  }

  /** The session's processes now (their children count too: Chromium's helpers). */
  pids(): number[] {
    return [this.x.pid, this.windowManager.pid, this.vnc.pid, this.browser.pid].filter((p): p is number => p !== null);
  }

  /** Starts everything; resolves once the VNC server accepts connections (or its first attempt failed, to be retried). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.x.start();
    void this.windowManager.start();
    void this.browser.start();
    await this.vnc.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#xWaiters.splice(0)) w(null);
    await Promise.all([this.browser.stop(), this.vnc.stop(), this.windowManager.stop()]);
    await this.x.stop();
  }

  async #startX(): Promise<ChildProcess> {
    const { width, height } = this.#o.size;
    const x = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp", "-noreset"], {
      env: this.#o.env,
      stdio: ["ignore", "ignore", "ignore", "pipe"],
    });
    const display = Number(await this.#line(x, x.stdio[3] as Readable, "Xvfb did not report its display number").catch(async (err: unknown) => {
      x.kill("SIGKILL");
      throw err;
    }));
    this.#display = display;
    for (const w of this.#xWaiters.splice(0)) w(display);
    x.once("exit", () => {
      if (this.#display === display) this.#display = null;
    });
    return x;
  }

  /** A process that needs the X server: waits for one, then starts with DISPLAY set. */
  async #afterX(start: (env: NodeJS.ProcessEnv) => Promise<ChildProcess>): Promise<ChildProcess> {
    const display = this.#display ?? (await new Promise<number | null>((resolve) => this.#xWaiters.push(resolve)));
    if (display === null || this.#stopped) throw new Error("the desktop is stopping");
    return start({ ...this.#o.env, DISPLAY: `:${display}` });
  }

  #startBrowser(env: NodeJS.ProcessEnv): ChildProcess {
    // Helpers of a browser that died with its X server would hold its profile: end them first.
    if (this.#lastBrowser?.pid) {
      try {
        process.kill(-this.#lastBrowser.pid, "SIGKILL");
      } catch {
        // none left
      }
    }
    this.#lastBrowser = spawnChromium(env, { ...this.#o.browser, size: this.#o.size });
    return this.#lastBrowser;
  }

  async #startOpenbox(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
    const wm = spawn("openbox", ["--startup", "echo deskfleet-openbox-ready"], { env, stdio: ["ignore", "pipe", "ignore"] });
    await this.#line(wm, wm.stdout!, "openbox did not start", (l) => l === "deskfleet-openbox-ready").catch((err: unknown) => {
      wm.kill("SIGKILL");
      throw err;
    });
    wm.stdout!.resume();
    return wm;
  }

  async #startX11vnc(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
    // -noscr: x11vnc's scroll detection holds screen updates back for up to ~200 ms after wheel
    // and key input, and the agent waits for the screen to settle after every action (bench/RESULTS.md).
    const vnc = spawn("x11vnc", ["-display", env["DISPLAY"]!, "-rfbport", String(this.#o.vncPort), "-localhost", "-passwdfile", this.#o.vncPasswordFile,
      "-forever", "-shared", "-norc", "-noncache", "-nowf", "-noscr"], { env, stdio: ["ignore", "pipe", "pipe"] });
    vnc.stderr!.resume(); // x11vnc logs a lot; an undrained pipe would stall it
    await this.#line(vnc, vnc.stdout!, `x11vnc did not listen on port ${this.#o.vncPort}`, (l) => l.startsWith("PORT=")).catch((err: unknown) => {
      vnc.kill("SIGKILL");
      throw err;
    });
    vnc.stdout!.resume();
    return vnc;
  }

  /** The first complete line of `stream` that `match` accepts; fails if the process exits or the time runs out first. */
  #line(child: ChildProcess, stream: Readable, failure: string, match: (line: string) => boolean = () => true): Promise<string> {
    const timeoutMs = this.#o.startTimeoutMs ?? 20_000;
    return new Promise((resolve, reject) => {
      let text = "";
      const done = (fn: () => void) => {
        clearTimeout(timer);
        stream.off("data", onData);
        child.off("exit", onExit);
        fn();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${failure} within ${timeoutMs / 1000} s`))), timeoutMs);
      const onData = (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split("\n").slice(0, -1).map((l) => l.trim()).find(match);
        if (line !== undefined) done(() => resolve(line));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => done(() => reject(new Error(`${failure}: it exited (${signal ?? `code ${code}`})`)));
      stream.on("data", onData);
      child.once("exit", onExit);
    });
  }
}
