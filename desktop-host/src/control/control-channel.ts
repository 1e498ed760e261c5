import WebSocket from "ws";
import type { DesktopResources, HelloMessageInput, ServerMessage } from "@deskfleet/protocol";
import { CloseCode, decodeServerMessage, encodeHostMessage } from "@deskfleet/protocol";
import type { Logger } from "../runtime/logger.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { classifyClose, classifyUpgradeStatus } from "./close-codes.ts";

export type WelcomeMessage = Extract<ServerMessage, { type: "welcome" }>;
export type TaskServerMessage = Exclude<ServerMessage, { type: "welcome" }>;

/** Why the channel ended for good: a refusal a person must fix, or a local stop. */
export type ChannelEnd = { kind: "fatal"; code: number; summary: string; advice: string; reason: string } | { kind: "stopped" };

export type ControlChannelOptions = {
  /** The control plane's base URL: http(s):// or ws(s)://. */
  server: string;
  desktopId: string;
  token: string;
  /** Builds the hello for each connection (capabilities, tasks still running here). */
  hello: () => Promise<Omit<HelloMessageInput, "type">>;
  /** Connected and greeted: the place to resend everything unacknowledged. */
  onWelcome: (welcome: WelcomeMessage) => void;
  onMessage: (message: TaskServerMessage) => void;
  /** What the desktop costs the machine now, sent with each heartbeat; undefined sends none. */
  resources?: () => DesktopResources | undefined;
  logger: Logger;
  userAgent?: string;
  backoff?: BackoffOptions;
  /** A connection that stayed up this long after welcome counts as healthy: the backoff starts over. Default 10 s. */
  healthyAfterMs?: number;
  /** Give up on a connection that has not been welcomed by then. Default 15 s. */
  welcomeTimeoutMs?: number;
};

/**
 * The host's control socket: dials out, says hello, keeps heartbeats going,
 * validates every server message, and reconnects with backoff after any drop
 * except a refusal that retrying cannot fix.
 */
export class ControlChannel {
  readonly ended: Promise<ChannelEnd>;
  readonly #o: ControlChannelOptions;
  readonly #backoff: Backoff;
  readonly #url: string;
  #resolveEnded!: (end: ChannelEnd) => void;
  #ws: WebSocket | null = null;
  #welcomed = false;
  #welcomedAt = 0;
  #stopped = false;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #lastHeardAt = 0;

  constructor(options: ControlChannelOptions) {
    this.#o = options;
    this.#backoff = new Backoff(options.backoff);
    this.#url = controlUrl(options.server);
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  /** True between welcome and the next drop: sends go out. */
  get ready(): boolean {
    return this.#welcomed && this.#ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#dial();
  }

  /** Sends one JSON text message if connected and greeted; false otherwise (the caller keeps it). */
  send(json: string): boolean {
    if (!this.ready) return false;
    this.#ws!.send(json);
    return true;
  }

  /** Closes the socket for good (normal closure). */
  stop(reason = "host stopping"): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearTimers();
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, reason);
    this.#resolveEnded({ kind: "stopped" });
  }

  #dial(): void {
    if (this.#stopped) return;
    const log = this.#o.logger;
    log.debug("connecting to the control plane", { url: this.#url });
    const ws = new WebSocket(this.#url, {
      headers: {
        authorization: `Bearer ${this.#o.token}`,
        "x-deskfleet-desktop": this.#o.desktopId,
        ...(this.#o.userAgent ? { "user-agent": this.#o.userAgent } : {}),
      },
      handshakeTimeout: 10_000,
    });
    this.#ws = ws;
    this.#welcomed = false;
    let finished = false;
    const welcomeTimer = this.#after(this.#o.welcomeTimeoutMs ?? 15_000, () => {
      log.warn("no welcome from the control plane in time; reconnecting");
      ws.terminate();
    });
    const finish = (code: number, reason: string, verdict = classifyClose(code)) => {
      if (finished) return;
      finished = true;
      clearTimeout(welcomeTimer);
      this.#timers.delete(welcomeTimer);
      if (this.#ws === ws) this.#ws = null;
      this.#stopHeartbeat();
      const wasHealthy = this.#welcomed && Date.now() - this.#welcomedAt >= (this.#o.healthyAfterMs ?? 10_000);
      this.#welcomed = false;
      if (this.#stopped) return;
      if (verdict.fatal) {
        this.#stopped = true;
        this.#clearTimers();
        this.#resolveEnded({ kind: "fatal", code, summary: verdict.summary, advice: verdict.advice, reason });
        return;
      }
      if (wasHealthy) this.#backoff.reset();
      if (code === CloseCode.replaced) log.warn("another connection for this desktop replaced this one; if this keeps happening, two hosts share one host token");
      const delay = this.#backoff.next();
      log.warn("control connection lost; reconnecting", { code, reason: reason || undefined, inMs: delay, attempt: this.#backoff.attempts });
      this.#after(delay, () => this.#dial());
    };

    ws.on("open", () => {
      this.#lastHeardAt = Date.now();
      this.#o
        .hello()
        .then((hello) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(encodeHostMessage({ type: "hello", ...hello }));
        })
        .catch((err: unknown) => {
          log.error("could not build the hello message", { error: err });
          ws.terminate();
        });
    });
    ws.on("message", (data) => {
      this.#lastHeardAt = Date.now();
      const decoded = decodeServerMessage(data.toString());
      if (!decoded.ok) {
        log.warn("ignored an invalid message from the control plane", { code: decoded.code, problem: decoded.reason });
        return;
      }
      const m = decoded.message;
      if (m.type === "welcome") {
        clearTimeout(welcomeTimer);
        this.#welcomed = true;
        this.#welcomedAt = Date.now();
        this.#startHeartbeat(ws, m.heartbeatIntervalMs);
        log.info("connected to the control plane", { desktop: m.desktopId });
        this.#o.onWelcome(m);
        return;
      }
      if (m.type === "error") log.warn("the control plane reported a problem", { code: m.code, message: m.message });
      this.#o.onMessage(m);
    });
    ws.on("pong", () => (this.#lastHeardAt = Date.now()));
    ws.on("unexpected-response", (req, res) => {
      const verdict = classifyUpgradeStatus(res.statusCode ?? 0, this.#o.server);
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body = (body + chunk).slice(0, 2000)));
      res.on("end", () => finish(res.statusCode ?? 0, errorText(body) || `HTTP ${res.statusCode}`, verdict));
      res.on("error", () => finish(res.statusCode ?? 0, `HTTP ${res.statusCode}`, verdict));
      req.destroy();
    });
    ws.on("error", (err) => {
      log.debug("control socket error", { error: err.message });
      // ws emits close after error only for sockets that opened; make sure a failed dial also retries.
      if (ws.readyState !== WebSocket.OPEN) setImmediate(() => finish(1006, err.message));
    });
    ws.on("close", (code, reason) => finish(code, reason.toString()));
  }

  #startHeartbeat(ws: WebSocket, intervalMs: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      // A half-open TCP connection looks open forever: without a word (message or pong) for 3 beats, start over.
      if (Date.now() - this.#lastHeardAt > 3 * intervalMs) {
        this.#o.logger.warn("the control plane went silent; reconnecting", { silentMs: Date.now() - this.#lastHeardAt });
        ws.terminate();
        return;
      }
      const resources = this.#measure();
      ws.send(encodeHostMessage({ type: "heartbeat", at: Date.now(), ...(resources ? { resources } : {}) }));
      ws.ping();
    }, intervalMs);
  }

  /** A failed measurement costs the heartbeat nothing: the control plane only misses one sample. */
  #measure(): DesktopResources | undefined {
    try {
      return this.#o.resources?.();
    } catch (err) {
      this.#o.logger.debug("could not measure the desktop's resources", { error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #after(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#stopHeartbeat();
  }
}

/** `https://cp.example.com` → `wss://cp.example.com/api/hosts/connect`. */
export function controlUrl(server: string): string {
  const url = new URL(server);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  url.pathname = url.pathname.replace(/\/+$/, "") + "/api/hosts/connect";
  url.search = "";
  url.hash = "";
  return url.toString();
}

function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof j.error?.message === "string") return j.error.message;
  } catch {
    // not the JSON error envelope
  }
  return body.trim().slice(0, 300);
}
