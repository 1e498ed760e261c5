import { createServer } from "node:net";
import { join } from "node:path";
import type { Logger } from "../runtime/logger.ts";
import { PoolDesktop, type PoolDesktopOptions, type PoolDesktopStatus } from "./pool-desktop.ts";

export type PoolOptions = {
  name: string;
  /** The pool's folder: one subfolder per desktop. */
  dir: string;
  logger: Logger;
  /** Everything a desktop needs except what the pool decides per desktop (id, port, folder, logger, removal). */
  desktop: Omit<PoolDesktopOptions, "id" | "vncPort" | "cdpPort" | "dir" | "logger" | "onRemoved">;
  /** Each desktop's Chromium opens a remote debugging port for its host's browser tool. */
  browserTool?: boolean;
};

export type PoolStatus = { name: string; count: number; desktops: PoolDesktopStatus[] };

/** `<name>-1` … `<name>-N`: the ids a pool's desktops are registered under. */
export const poolDesktopId = (name: string, index: number) => `${name}-${index}`;

/** Which desktops to start and which to stop to go from `current` to `wanted` (the highest numbers go first). */
export function scalePlan(current: readonly number[], wanted: number): { start: number[]; stop: number[] } {
  const have = new Set(current);
  const start = Array.from({ length: wanted }, (_, i) => i + 1).filter((i) => !have.has(i));
  const stop = [...current].filter((i) => i > wanted).sort((a, b) => b - a);
  return { start, stop };
}

/**
 * N desktops on this machine, each its own X session and host, registered as
 * `<name>-1..N`. Scaling starts the missing numbers and stops the highest;
 * a stopped desktop stays registered (offline) with its history.
 */
export class Pool {
  readonly #o: PoolOptions;
  readonly #desktops = new Map<number, PoolDesktop>();
  readonly #ports = new Set<number>();
  /** Scale requests run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PoolOptions) {
    this.#o = options;
  }

  get count(): number {
    return this.#desktops.size;
  }

  scaleTo(count: number): Promise<PoolStatus> {
    const run = this.#queue.then(() => this.#scale(count));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  status(): PoolStatus {
    return { name: this.#o.name, count: this.#desktops.size, desktops: [...this.#desktops.entries()].sort(([a], [b]) => a - b).map(([, d]) => d.status()) };
  }

  stop(): Promise<PoolStatus> {
    return this.scaleTo(0);
  }

  /** A desktop removed on the control plane leaves the pool (in the queue, so a scale in flight finishes first). */
  #remove(index: number, message: string): Promise<unknown> {
    const run = this.#queue.then(async () => {
      const desktop = this.#desktops.get(index);
      if (!desktop) return;
      this.#o.logger.warn(message, { desktop: desktop.id });
      this.#desktops.delete(index);
      this.#releasePorts(desktop);
      await desktop.stop();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #releasePorts(desktop: PoolDesktop): void {
    const { vncPort, cdpPort } = desktop.status();
    this.#ports.delete(vncPort);
    if (cdpPort !== null) this.#ports.delete(cdpPort);
  }

  async #scale(count: number): Promise<PoolStatus> {
    const plan = scalePlan([...this.#desktops.keys()], count);
    for (const index of plan.stop) {
      const desktop = this.#desktops.get(index)!;
      this.#o.logger.info("stopping desktop", { desktop: desktop.id });
      await desktop.stop();
      this.#desktops.delete(index);
      this.#releasePorts(desktop);
    }
    // One at a time: each takes a free port for its VNC server, and starting Chromium is heavy on a small machine.
    for (const index of plan.start) {
      const id = poolDesktopId(this.#o.name, index);
      const vncPort = await freeVncPort(this.#ports);
      this.#ports.add(vncPort);
      const cdpPort = this.#o.browserTool ? await freeVncPort(this.#ports, 9222, 9999) : undefined;
      if (cdpPort !== undefined) this.#ports.add(cdpPort);
      const desktop = new PoolDesktop({
        ...this.#o.desktop, id, vncPort, cdpPort, dir: join(this.#o.dir, id), logger: this.#o.logger.child({ desktop: id }),
        onRemoved: (_, message) => void this.#remove(index, message),
      });
      this.#desktops.set(index, desktop);
      this.#o.logger.info("starting desktop", { desktop: id, vncPort });
      try {
        await desktop.start();
      } catch (err) {
        await desktop.stop().catch(() => undefined);
        this.#desktops.delete(index);
        this.#releasePorts(desktop);
        throw err;
      }
    }
    return this.status();
  }
}

/**
 * A port for a desktop's VNC server (or Chromium's debugging port): free on
 * localhost now and not given to another desktop of this pool, from VNC's own
 * range (5900 up; 9222 up for Chromium) rather than the ephemeral range, where
 * an outgoing connection could take it while the server restarts.
 */
export async function freeVncPort(taken: ReadonlySet<number>, from = 5900, to = 6999): Promise<number> {
  for (let port = from; port <= to; port++) {
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port for a VNC server between ${from} and ${to} on 127.0.0.1`);
}
