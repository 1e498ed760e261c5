import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { withoutAddresses } from "@deskfleet/rfb/vnc-errors";
import { Backoff, type BackoffOptions } from "../control/backoff.ts";
import type { Logger } from "./logger.ts";
import { dialVnc, handshakeOptions, vncAddress, type VncTarget } from "./vnc-target.ts";

export type { VncTarget } from "./vnc-target.ts";
export type VncStatus = { reachable: boolean; screen: { width: number; height: number } | null; name?: string; problem?: string };
type UpdateListener = (update: { rects: readonly { x: number; y: number; width: number; height: number }[] }) => void;

/** Opens one RFB session: TCP, then TLS if the server's VeNCrypt asks for it. */
export async function connectVnc(target: VncTarget, timeoutMs = 10_000): Promise<RfbClient> {
  const socket = await dialVnc(target, timeoutMs);
  return RfbClient.connect(socket, { ...handshakeOptions(target), handshakeTimeoutMs: timeoutMs });
}

/**
 * The host's one VNC session, kept open across VNC server restarts: the
 * computer-use loop holds this object for the host's lifetime while the
 * RFB client underneath is replaced after every drop (with backoff).
 */
export class VncConnection {
  readonly #target: VncTarget;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #connect: (t: VncTarget) => Promise<RfbClient>;
  readonly #listeners = new Set<UpdateListener>();
  #client: RfbClient | null = null;
  #detach: (() => void)[] = [];
  #waiters: (() => void)[] = [];
  #problem: string | undefined;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | null = null;

  constructor(target: VncTarget, logger: Logger, options: { backoff?: BackoffOptions; connect?: (t: VncTarget) => Promise<RfbClient> } = {}) {
    this.#target = target;
    this.#log = logger;
    this.#backoff = new Backoff(options.backoff);
    this.#connect = options.connect ?? ((t) => connectVnc(t));
  }

  /** Tries once now and keeps retrying in the background; resolves after the first attempt either way. */
  async start(): Promise<VncStatus> {
    await this.#attempt();
    return this.status();
  }

  status(): VncStatus {
    const c = this.#client;
    if (c && !c.isClosed) return { reachable: true, screen: { width: c.width, height: c.height }, name: c.name };
    return { reachable: false, screen: null, ...(this.#problem ? { problem: this.#problem } : {}) };
  }

  get framebuffer(): { readonly width: number; readonly height: number; readonly data: Uint8Array } {
    const c = this.#client;
    if (!c || c.isClosed) throw new Error(`the desktop's VNC server is not connected${this.#why()}`);
    return c.framebuffer;
  }

  on(event: "update", listener: UpdateListener): () => void {
    this.#listeners.add(listener);
    const off = this.#client?.on(event, listener);
    if (off) this.#detach.push(off);
    return () => {
      this.#listeners.delete(listener);
      off?.();
    };
  }

  async pointer(x: number, y: number, buttonMask = 0): Promise<void> {
    return (await this.#ready()).pointer(x, y, buttonMask);
  }

  async key(keysym: number, down: boolean): Promise<void> {
    return (await this.#ready()).key(keysym, down);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    await this.#client?.close();
    this.#client = null;
  }

  /** Input waits briefly for a reconnect instead of failing the step at the first blip. */
  async #ready(timeoutMs = 10_000): Promise<RfbClient> {
    const c = this.#client;
    if (c && !c.isClosed) return c;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    const now = this.#client;
    if (now && !now.isClosed) return now;
    throw new Error(`the desktop's VNC server is not reachable${this.#why()}`);
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    try {
      const client = await this.#connect(this.#target);
      if (this.#closed) {
        await client.close();
        return;
      }
      this.#client = client;
      this.#problem = undefined;
      this.#backoff.reset();
      this.#detach = [...this.#listeners].map((l) => client.on("update", l));
      this.#log.info("connected to the VNC server", { vnc: this.#where(), width: client.width, height: client.height, security: client.security.chosen });
      for (const w of this.#waiters.splice(0)) w();
      void client.closed.then((error) => {
        for (const off of this.#detach.splice(0)) off();
        if (this.#client === client) this.#client = null;
        if (this.#closed) return;
        this.#problem = error?.message;
        this.#log.warn("VNC connection lost; reconnecting", { vnc: this.#where(), problem: error?.message });
        this.#schedule();
      });
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (problem !== this.#problem) this.#log.error("cannot use the VNC server", { vnc: this.#where(), problem });
      this.#problem = problem;
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#attempt();
    }, this.#backoff.next());
  }

  /**
   * The problem, as the agent's model may read it (these errors become tool results): without
   * the VNC server's address, which stays in the host's own log.
   */
  #why(): string {
    return this.#problem ? `: ${withoutAddresses(this.#problem)}` : "";
  }

  #where(): string {
    return vncAddress(this.#target);
  }
}
