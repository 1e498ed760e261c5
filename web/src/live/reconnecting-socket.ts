import { CloseCode } from "@deskfleet/protocol/close-codes";

export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "open" }
  | { kind: "waiting"; attempt: number; retryAt: number }
  | { kind: "closed" };

export type SocketOptions = {
  /** A function when the URL changes between attempts (e.g. resume after the last event seen). */
  url: string | (() => string);
  onMessage: (data: unknown) => void;
  onState: (state: ConnectionState) => void;
  /** Called after every (re)open: missed messages are not replayed, so views refetch. */
  onOpen?: (reconnected: boolean) => void;
  /** Close codes after which retrying cannot help (e.g. signed out). */
  onFatal?: (code: number, reason: string) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  createSocket?: (url: string) => WebSocket;
};

/** Full-jitter exponential backoff: a deploy drops every viewer at once, so they must not return in lockstep. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  return Math.round(random() * Math.min(max, base * 2 ** attempt));
}

const FATAL_CODES = new Set<number>([CloseCode.policy, CloseCode.unauthorized, CloseCode.forbidden]);

/** A JSON WebSocket that reconnects with backoff until closed, reporting its state for the UI. */
export class ReconnectingSocket {
  #opts: Required<Omit<SocketOptions, "onOpen" | "onFatal">> & Pick<SocketOptions, "onOpen" | "onFatal">;
  #socket: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #everOpened = false;
  #stopped = false;

  constructor(opts: SocketOptions) {
    this.#opts = {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      random: Math.random,
      createSocket: (url) => new WebSocket(url),
      ...opts,
    };
    this.#connect();
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close(CloseCode.normal, "viewer left");
    this.#socket = null;
    this.#opts.onState({ kind: "closed" });
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#opts.onState({ kind: "connecting", attempt: this.#attempt });
    const url = typeof this.#opts.url === "string" ? this.#opts.url : this.#opts.url();
    const ws = this.#opts.createSocket(url);
    this.#socket = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      this.#opts.onState({ kind: "open" });
      this.#opts.onOpen?.(this.#everOpened);
      this.#everOpened = true;
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data !== "string") return;
      try {
        this.#opts.onMessage(JSON.parse(e.data));
      } catch {
        // a malformed message is dropped; the feed goes on
      }
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.#socket !== ws || this.#stopped) return;
      this.#socket = null;
      if (FATAL_CODES.has(e.code)) {
        this.#stopped = true;
        this.#opts.onState({ kind: "closed" });
        this.#opts.onFatal?.(e.code, e.reason);
        return;
      }
      const delay = backoffDelay(this.#attempt, this.#opts.baseDelayMs, this.#opts.maxDelayMs, this.#opts.random);
      this.#attempt += 1;
      this.#opts.onState({ kind: "waiting", attempt: this.#attempt, retryAt: Date.now() + delay });
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
  }
}

/** `ws(s)://<this origin><path>`: same-origin, so the session cookie goes along. */
export function liveUrl(path: string): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}${path}`;
}
