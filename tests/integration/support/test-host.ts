import { SELF } from "cloudflare:test";
import { decodeServerMessage, HOST_PROTOCOL_VERSION, hostReleaseVerdict, type HostCapabilitiesInput, type HostEventInput, type HostEventKind, type ServerMessage } from "@deskfleet/protocol";

/**
 * A desktop host speaking the real host protocol over a real WebSocket
 * through the Worker. Tests drive it step by step.
 */
export class TestHost {
  readonly desktopId: string;
  private readonly token: string;
  ws: WebSocket | null = null;
  readonly received: ServerMessage[] = [];
  /** Messages from the server that the protocol does not define; any fails the next wait. */
  readonly invalid: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  constructor(desktopId: string, token: string) {
    this.desktopId = desktopId;
    this.token = token;
  }

  /** Opens the socket; resolves with the close info if the server refuses at once. */
  async open(): Promise<void> {
    const res = await SELF.fetch("https://deskfleet.test/api/hosts/connect", {
      headers: { upgrade: "websocket", authorization: `Bearer ${this.token}`, "x-deskfleet-desktop": this.desktopId },
    });
    const ws = res.webSocket;
    if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
    ws.accept();
    this.closed = null;
    ws.addEventListener("message", (ev) => {
      if (this.ws !== ws) return;
      // Decoded as deskfleet-host decodes it: a message the protocol does not define fails the test.
      const decoded = decodeServerMessage(ev.data as string | ArrayBuffer);
      if (decoded.ok) this.received.push(decoded.message);
      else this.invalid.push(`${decoded.reason}: ${String(ev.data).slice(0, 300)}`);
      this.wake();
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.closed = { code: ev.code, reason: ev.reason };
      this.wake();
    });
    this.ws = ws;
  }

  /** Says hello; waits for the welcome (and returns it) unless the hello is one the server refuses (another protocol, an old release). */
  async connect(activeTasks: string[] = [], version = HOST_PROTOCOL_VERSION, capabilities: Partial<HostCapabilitiesInput> = {}): Promise<Extract<ServerMessage, { type: "welcome" }> | null> {
    const hostVersion = capabilities.hostVersion ?? "test";
    await this.open();
    this.send({
      type: "hello",
      protocolVersion: version,
      desktopId: this.desktopId,
      capabilities: { screen: { width: 1280, height: 800 }, os: "linux", vnc: { reachable: true }, tools: [], ...capabilities, hostVersion },
      activeTasks,
    });
    if (version === HOST_PROTOCOL_VERSION && hostReleaseVerdict(hostVersion).ok) return this.next("welcome");
    return null;
  }

  send(message: unknown): void {
    this.ws!.send(JSON.stringify(message));
  }

  /** Events shaped as the protocol types them (what a real host emits); `started` needs no data. */
  sendEvents(taskId: string, events: TestHostEvent[]): void {
    this.sendRawEvents(taskId, events.map((e) => (e.kind === "started" && !("data" in e) ? { ...e, data: { resume: false } } : e)));
  }

  /** Events as given, valid or not (to test what the control plane refuses). */
  sendRawEvents(taskId: string, events: { seq: number; kind: string; data?: unknown }[]): void {
    this.send({ type: "events", taskId, events: events.map((e) => ({ at: Date.now(), data: {}, ...e })) });
  }

  heartbeat(resources?: Record<string, unknown>): void {
    this.send({ type: "heartbeat", at: Date.now(), ...(resources ? { resources } : {}) });
  }

  /** Drops the connection the way a network cut does (no hello, no goodbye). */
  drop(): void {
    try {
      this.ws?.close(1001, "test drop");
    } catch {
      // already closed
    }
    this.ws = null;
  }

  /** Waits for the next message of a type (after those already consumed with `take`). */
  async next<T extends ServerMessage["type"]>(type: T, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.invalid.length > 0) throw new Error(`DesktopDO sent a message the protocol does not define: ${this.invalid[0]}`);
      const i = this.received.findIndex((m) => m.type === type);
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<ServerMessage, { type: T }>;
      if (this.closed && type !== "error") throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  /** Waits until the server has acked at least `seq` for the task. */
  async ackedAtLeast(taskId: string, seq: number, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const acks = this.received.filter((m): m is Extract<ServerMessage, { type: "ack" }> => m.type === "ack" && m.taskId === taskId);
      const best = Math.max(0, ...acks.map((a) => a.seq));
      if (best >= seq) return best;
      if (Date.now() > deadline) throw new Error(`acked only up to ${best}, wanted ${seq}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export type TestHostEvent =
  | { seq: number; kind: "started"; data?: HostEventInput<"started"> }
  | { [K in Exclude<HostEventKind, "started">]: { seq: number; kind: K; data: HostEventInput<K> } }[Exclude<HostEventKind, "started">];
