import type { ChildProcess } from "node:child_process";

/** When a process that exited on its own starts again: quickly at first, slower while it keeps crashing. */
export type RestartPolicy = {
  /** The first restart's delay. Default 250 ms. */
  firstMs?: number;
  /** The longest delay. Default 30 s. */
  maxMs?: number;
  /** Up this long, it counts as healthy again and the next crash restarts it quickly. Default 30 s. */
  healthyAfterMs?: number;
};

export type SupervisedSpec = {
  /** For logs: "X server", "VNC server", "browser", "host". */
  name: string;
  /** Spawns the process and resolves once it is usable (e.g. the VNC server listens); rejects if it cannot start. */
  start: () => Promise<ChildProcess>;
  /** Ends it for good: SIGTERM, then SIGKILL; for a process group, the whole group. */
  kill?: (child: ChildProcess) => Promise<void>;
  restart?: RestartPolicy;
  /** Each start, successful or not, and each exit that was not asked for. */
  onEvent?: (event: SupervisedEvent) => void;
};

export type SupervisedEvent =
  | { kind: "started"; name: string; pid: number; restarts: number }
  | { kind: "exited"; name: string; code: number | null; signal: NodeJS.Signals | null; restartInMs: number }
  | { kind: "start_failed"; name: string; error: string; restartInMs: number };

/** The delay before restart number `attempt` (0-based): doubling from `firstMs`, capped at `maxMs`. */
export function restartDelay(attempt: number, policy: RestartPolicy = {}): number {
  const first = policy.firstMs ?? 250;
  return Math.min(policy.maxMs ?? 30_000, first * 2 ** Math.min(attempt, 20));
}

/**
 * One process kept running: started, watched, and started again after any
 * exit that `stop()` did not ask for, with a delay that grows while it keeps
 * crashing. A pool's desktop is four of these (X server, window manager, VNC
 * server, browser) and its host.
 */
export class Supervised {
  readonly #spec: SupervisedSpec;
  #child: ChildProcess | null = null;
  #stopped = false;
  #attempt = 0;
  #restarts = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;

  constructor(spec: SupervisedSpec) {
    this.#spec = spec;
  }

  get pid(): number | null {
    const c = this.#child;
    return c && c.exitCode === null && c.signalCode === null ? (c.pid ?? null) : null;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts it; resolves after the first attempt, which may fail (it is retried in the background then). */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#launch();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
    const child = this.#child;
    this.#child = null;
    if (child) await (this.#spec.kill ?? terminate)(child);
  }

  #launch(): Promise<void> {
    const run = (async () => {
      try {
        const child = await this.#spec.start();
        if (this.#stopped) {
          await (this.#spec.kill ?? terminate)(child);
          return;
        }
        this.#child = child;
        const startedAt = Date.now();
        this.#spec.onEvent?.({ kind: "started", name: this.#spec.name, pid: child.pid ?? 0, restarts: this.#restarts });
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          if (this.#child !== child) return;
          this.#child = null;
          if (this.#stopped) return;
          if (Date.now() - startedAt >= (this.#spec.restart?.healthyAfterMs ?? 30_000)) this.#attempt = 0;
          this.#retry((restartInMs) => ({ kind: "exited", name: this.#spec.name, code, signal, restartInMs }));
        };
        if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
        else child.once("exit", onExit);
      } catch (err) {
        if (this.#stopped) return;
        const error = err instanceof Error ? err.message : String(err);
        this.#retry((restartInMs) => ({ kind: "start_failed", name: this.#spec.name, error, restartInMs }));
      }
    })();
    this.#running = run;
    return run;
  }

  #retry(event: (restartInMs: number) => SupervisedEvent): void {
    const delay = restartDelay(this.#attempt++, this.#spec.restart);
    this.#spec.onEvent?.(event(delay));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#stopped) return;
      this.#restarts++;
      void this.#launch();
    }, delay);
  }
}

/** SIGTERM, SIGKILL after `graceMs`, and wait for the exit. */
export async function terminate(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
