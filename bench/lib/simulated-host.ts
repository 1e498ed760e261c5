import WebSocket from "ws";
import type { AssignedTask, HostEvent, HostEventInput, HostEventKind, ServerMessage } from "@deskfleet/protocol";
import { decodeServerMessage, HOST_PROTOCOL_VERSION } from "@deskfleet/protocol";

/**
 * A lightweight desktop host speaking the real host protocol over a real
 * WebSocket: hello, heartbeats at the server's interval, events numbered per
 * task and kept until acked, resent after a reconnect or when an ack is late.
 * Its "task" is a fixed series of events at a fixed pace; each carries
 * its emit time in `at` so a watcher can time host → watcher delivery.
 */
export type SimulatedTaskPlan = { events: number; intervalMs: number };

export type SimulatedRun = {
  taskId: string;
  assignReceivedAt: number;
  /** Host events generated (the final `completed` included). */
  sent: number;
  /** Resolves when the final event is acked: the task is over for this host. */
  done: Promise<void>;
  cancelled: string | null;
};

type Pending = { event: HostEvent; lastSentAt: number };

/** As the real host's outbox: an ack this late means the batch was lost. */
const RESEND_AFTER_MS = 15_000;

export class SimulatedHost {
  readonly desktopId: string;
  readonly runs: SimulatedRun[] = [];
  readonly problems: string[] = [];
  reconnects = 0;
  welcomed = false;
  readonly #url: string;
  readonly #token: string;
  readonly #plan: SimulatedTaskPlan;
  readonly #onAssign: (run: SimulatedRun) => void;
  readonly #unacked = new Map<string, Pending[]>();
  readonly #finishers = new Map<string, () => void>();
  #running: string | null = null;
  #ws: WebSocket | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #resend: ReturnType<typeof setInterval> | null = null;
  #stopped = false;
  #attempt = 0;

  constructor(opts: { baseUrl: string; desktopId: string; token: string; plan: SimulatedTaskPlan; onAssign?: (run: SimulatedRun) => void }) {
    this.desktopId = opts.desktopId;
    this.#url = `${opts.baseUrl.replace(/^http/, "ws")}/api/hosts/connect`;
    this.#token = opts.token;
    this.#plan = opts.plan;
    this.#onAssign = opts.onAssign ?? (() => undefined);
  }

  start(): void {
    this.#resend = setInterval(() => this.#resendStale(), 5_000);
    this.#dial();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#resend) clearInterval(this.#resend);
    this.#ws?.close(1000, "simulation over");
  }

  #dial(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(this.#url, { headers: { authorization: `Bearer ${this.#token}`, "x-deskfleet-desktop": this.desktopId } });
    this.#ws = ws;
    ws.on("open", () => {
      const activeTasks = [...new Set([...this.#unacked.keys(), ...(this.#running ? [this.#running] : [])])];
      ws.send(JSON.stringify({
        type: "hello",
        protocolVersion: HOST_PROTOCOL_VERSION,
        desktopId: this.desktopId,
        capabilities: { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "simulated", vnc: { reachable: true }, tools: [] },
        activeTasks,
      }));
    });
    ws.on("message", (data) => {
      const decoded = decodeServerMessage(data.toString());
      if (decoded.ok) this.#onMessage(ws, decoded.message);
      else this.problems.push(`${this.desktopId}: invalid message from the control plane: ${decoded.reason}`);
    });
    ws.on("error", () => undefined);
    ws.on("close", (code, reason) => {
      if (this.#ws !== ws) return;
      this.welcomed = false;
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      if (this.#stopped) return;
      if (code >= 4400 && code < 4500 && code !== 4408 && code !== 4409) this.problems.push(`${this.desktopId}: refused with ${code} ${reason.toString()}`);
      this.reconnects++;
      setTimeout(() => this.#dial(), Math.random() * Math.min(5_000, 250 * 2 ** this.#attempt++));
    });
  }

  #onMessage(ws: WebSocket, m: ServerMessage): void {
    switch (m.type) {
      case "welcome":
        this.welcomed = true;
        this.#attempt = 0;
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => this.#send({ type: "heartbeat", at: Date.now() }), m.heartbeatIntervalMs);
        for (const [taskId, pending] of this.#unacked) this.#sendEvents(taskId, pending);
        return;
      case "assign":
        return this.#assign(m.task);
      case "ack": {
        const left = (this.#unacked.get(m.taskId) ?? []).filter((p) => p.event.seq > m.seq);
        if (left.length > 0) return void this.#unacked.set(m.taskId, left);
        this.#unacked.delete(m.taskId);
        if (this.#running !== m.taskId) this.#finishers.get(m.taskId)?.();
        return;
      }
      case "cancel": {
        // After the end, a cancel only answers a late resend ("already completed"); before it, nobody asked for one.
        if (this.#running !== m.taskId) return;
        const run = this.runs.find((r) => r.taskId === m.taskId);
        if (run) run.cancelled = m.reason;
        this.problems.push(`${this.desktopId}: running task ${m.taskId} cancelled: ${m.reason}`);
        return;
      }
      case "error":
        this.problems.push(`${this.desktopId}: server error ${m.code}: ${m.message}`);
        return;
      default:
        void ws;
    }
  }

  #assign(task: AssignedTask): void {
    if (this.#running === task.id || this.runs.some((r) => r.taskId === task.id)) return; // re-sent after a reconnect
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const run: SimulatedRun = { taskId: task.id, assignReceivedAt: Date.now(), sent: 0, done, cancelled: null };
    this.runs.push(run);
    this.#finishers.set(task.id, finish);
    this.#running = task.id;
    this.#onAssign(run);
    void this.#play(run, task.nextSeq);
  }

  async #play(run: SimulatedRun, firstSeq: number): Promise<void> {
    for (let i = 0; i < this.#plan.events && !this.#stopped && !run.cancelled; i++) {
      const last = i === this.#plan.events - 1;
      const event = i === 0 ? started() : last ? completed(`simulated run of ${run.taskId} done`) : loopEvent(i);
      // `at` is the host's clock when it emitted the event: watchers time delivery from it.
      this.#emit(run.taskId, { seq: firstSeq + i, at: Date.now(), ...event });
      run.sent++;
      if (!last) await new Promise((r) => setTimeout(r, this.#plan.intervalMs));
    }
    this.#running = null;
    if (!this.#unacked.has(run.taskId)) this.#finishers.get(run.taskId)?.();
  }

  #emit(taskId: string, event: HostEvent): void {
    const pending = { event, lastSentAt: Date.now() };
    const list = this.#unacked.get(taskId) ?? [];
    list.push(pending);
    this.#unacked.set(taskId, list);
    this.#sendEvents(taskId, [pending]);
  }

  #sendEvents(taskId: string, pending: Pending[]): void {
    if (pending.length === 0 || !this.welcomed) return;
    const now = Date.now();
    for (const p of pending) p.lastSentAt = now;
    this.#send({ type: "events", taskId, events: pending.map((p) => p.event) });
  }

  /** An ack that never came (the batch died with a Durable Object): send everything unacked again. */
  #resendStale(): void {
    const now = Date.now();
    for (const [taskId, pending] of this.#unacked) {
      if (pending.some((p) => now - p.lastSentAt > RESEND_AFTER_MS)) this.#sendEvents(taskId, pending);
    }
  }

  #send(message: unknown): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(message));
  }
}

// Events shaped as the real loop emits them (the protocol's schemas), so the
// control plane stores them as it would a real host's.
type Body = { [K in HostEventKind]: { kind: K; data: HostEventInput<K> } }[HostEventKind];
const started = (): Body => ({ kind: "started", data: { resume: false } });
const completed = (result: string): Body => ({ kind: "completed", data: { result } });
function loopEvent(i: number): Body {
  const step = Math.ceil(i / 4);
  switch ((i - 1) % 4) {
    case 0: return { kind: "assistant_text", data: { text: `Step ${step}: clicking the next field.`, step } };
    case 1: return { kind: "action", data: { name: "left_click", input: { coordinate: [100 + (i % 500), 200] }, step } };
    case 2: return { kind: "action_result", data: { ok: true, summary: "Done.", step } };
    default: return { kind: "usage", data: { inputTokens: 1_200, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.0042, step, model: "simulated" } };
  }
}
