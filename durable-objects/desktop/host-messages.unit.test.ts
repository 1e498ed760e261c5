import { describe, expect, it } from "vitest";
import type { HostEvent, HostMemoryResult, ServerMessage } from "@deskfleet/protocol";
import { CloseCode, encodeHostMessage, HOST_PROTOCOL_VERSION } from "@deskfleet/protocol";
import { HostMessages } from "./host-messages.ts";
import type { HostAttachment } from "./host-session.ts";
import { PendingRequests } from "./pending-requests.ts";
import type { Presence } from "./presence.ts";

const TASK = "tsk_0123456789ab";
const capabilities = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "test", vnc: { reachable: true }, tools: [] };
const hello = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "hello", protocolVersion: HOST_PROTOCOL_VERSION, desktopId: "desk-1", capabilities, activeTasks: [TASK], ...over });
const events = (...seqs: number[]) => encodeHostMessage({ type: "events", taskId: TASK, events: seqs.map((seq) => ({ seq, kind: "log", at: 1, data: {} })) });

/** A host socket that records how it was closed. */
function socket() {
  const ws = { closed: null as { code: number; reason: string } | null, close(code: number, reason: string) { ws.closed = { code, reason }; } };
  return ws;
}

/** HostMessages with recording stand-ins for presence, TaskDO and the object. */
function setup(opts: { labels?: string[] | null; ingest?: (events: HostEvent[]) => Promise<{ ack: number; cancel: string | null }>; otherHost?: boolean; memory?: () => Promise<HostMemoryResult> } = {}) {
  const log: string[] = [];
  const sent: ServerMessage[] = [];
  const requests = new PendingRequests();
  const presence = {
    connect: (id: string) => log.push(`connect ${id}`),
    announce: async (desktop: { labels: string[] }, active: string[]) => void log.push(`announce ${desktop.labels.join(",")} [${active.join(",")}]`),
    heartbeat: async () => void log.push("heartbeat"),
    touch: () => log.push("touch"),
    socketClosed: async () => void log.push("offline"),
  } as unknown as Presence;
  const host = new HostMessages({
    presence,
    requests,
    heartbeatIntervalMs: 10_000,
    desktopFacts: async () => (opts.labels === null ? null : { labels: opts.labels ?? ["linux"], directVnc: false }),
    greeted: () => log.push("greeted"),
    send: (_ws, m) => {
      sent.push(m);
      log.push(`send ${m.type}`);
    },
    hostConnected: () => opts.otherHost ?? false,
    hostReady: async () => void log.push("tunnels"),
    task: () => ({
      ingest: async (_desktopId, evs) => ({ refused: [], ...(opts.ingest ? await opts.ingest(evs) : { ack: evs.at(-1)!.seq, cancel: null }) }),
      hostReconnected: async () => [{ type: "task_message", taskId: TASK, message: { id: "m1", text: "missed", at: 1 } }],
      releaseSecret: async (desktopId, name) => {
        log.push(`release ${name} to ${desktopId}`);
        return name === "github" ? { ok: true, kind: "password", value: "hunter2-hunter2" } : { ok: false, code: "not_in_scope", message: `no secret named \`${name}\``, available: ["github"] };
      },
    }),
    memory: async (desktopId, taskId, request) => {
      log.push(`memory ${desktopId} ${taskId} ${request.kind}`);
      return opts.memory ? opts.memory() : { ok: true, kind: "search", memories: [] };
    },
  });
  const att = (helloed: boolean): HostAttachment => ({ role: "host", desktopId: "desk-1", credential: "host:0123456789abcdef", connectedAt: 0, helloed });
  return { host, log, sent, requests, att };
}

describe("HostMessages", () => {
  it("welcomes a host before announcing it (an assignment may follow at once), then hands it what its tasks missed", async () => {
    const { host, log, sent, att } = setup();
    const ws = socket();
    await host.onMessage(ws as unknown as WebSocket, att(false), hello());
    expect(log).toEqual(["greeted", "connect desk-1", "send welcome", `announce linux [${TASK}]`, "tunnels", "send task_message"]);
    expect(sent[0]).toMatchObject({ type: "welcome", desktopId: "desk-1", heartbeatIntervalMs: 10_000 });
    expect(ws.closed).toBeNull();
  });

  it("closes a host of another protocol version with 4400, saying which side to upgrade", async () => {
    const { host, log, att } = setup();
    const older = socket();
    await host.onMessage(older as unknown as WebSocket, att(false), hello({ protocolVersion: HOST_PROTOCOL_VERSION - 1 }));
    expect(older.closed?.code).toBe(CloseCode.badVersion);
    expect(older.closed?.reason).toMatch(/run `deskfleet-host upgrade`/);
    const newer = socket();
    await host.onMessage(newer as unknown as WebSocket, att(false), hello({ protocolVersion: HOST_PROTOCOL_VERSION + 1 }));
    expect(newer.closed?.reason).toMatch(/deploy the newer control plane/);
    expect(log).toEqual([]);
  });

  it("closes a host whose hello names another desktop (4403) or whose desktop was deleted (4410)", async () => {
    const other = setup();
    const wrong = socket();
    await other.host.onMessage(wrong as unknown as WebSocket, other.att(false), hello({ desktopId: "desk-2" }));
    expect(wrong.closed?.code).toBe(CloseCode.wrongDesktop);
    expect(wrong.closed?.reason).toMatch(/--desktop desk-1/);
    const deleted = setup({ labels: null });
    const gone = socket();
    await deleted.host.onMessage(gone as unknown as WebSocket, deleted.att(false), hello());
    expect(gone.closed?.code).toBe(CloseCode.desktopDeleted);
    expect(deleted.log).toEqual([]);
  });

  it("closes a host that sends anything before its hello with 1008", async () => {
    const { host, log, att } = setup();
    const ws = socket();
    await host.onMessage(ws as unknown as WebSocket, att(false), encodeHostMessage({ type: "heartbeat", at: 1 }));
    expect(ws.closed).toEqual({ code: CloseCode.policy, reason: "send hello first" });
    expect(log).toEqual([]);
  });

  it("asks the task for a secret with the socket's own desktop and answers with the value or the names in scope", async () => {
    const { host, log, sent, att } = setup();
    const ws = socket();
    await host.onMessage(ws as unknown as WebSocket, att(true), encodeHostMessage({ type: "secret_request", requestId: "r1", taskId: TASK, name: "github" }));
    await host.onMessage(ws as unknown as WebSocket, att(true), encodeHostMessage({ type: "secret_request", requestId: "r2", taskId: TASK, name: "gitlab" }));
    expect(log).toEqual(["touch", "release github to desk-1", "send secret_response", "touch", "release gitlab to desk-1", "send secret_response"]);
    expect(sent).toEqual([
      { type: "secret_response", requestId: "r1", result: { ok: true, kind: "password", value: "hunter2-hunter2" } },
      { type: "secret_response", requestId: "r2", result: { ok: false, error: { code: "not_in_scope", message: "no secret named `gitlab`" }, available: ["github"] } },
    ]);
  });

  it("answers a frame that is not a host message with an error and keeps the socket", async () => {
    const { host, sent, att } = setup();
    const ws = socket();
    await host.onMessage(ws as unknown as WebSocket, att(true), "{oops");
    await host.onMessage(ws as unknown as WebSocket, att(true), JSON.stringify({ type: "heartbeat" }));
    expect(sent).toEqual([
      { type: "error", code: "bad_json", message: "messages must be JSON text" },
      { type: "error", code: "bad_message", message: expect.stringMatching(/^invalid message: at: /) },
    ]);
    expect(ws.closed).toBeNull();
  });

  it("acks a task's batches in the order they came, each only after TaskDO stored it", async () => {
    let releaseFirst!: () => void;
    const firstStored = new Promise<void>((r) => (releaseFirst = r));
    const { host, sent, log, att } = setup({
      ingest: async (evs) => {
        if (evs[0]!.seq === 1) await firstStored;
        return { ack: evs.at(-1)!.seq, cancel: null };
      },
    });
    const ws = socket() as unknown as WebSocket;
    const first = host.onMessage(ws, att(true), events(1, 2));
    const second = host.onMessage(ws, att(true), events(3));
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toEqual([]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(sent).toEqual([
      { type: "ack", taskId: TASK, seq: 2 },
      { type: "ack", taskId: TASK, seq: 3 },
    ]);
    expect(log.filter((l) => l === "touch")).toHaveLength(2);
  });

  it("does not ack events TaskDO failed to store (the host resends them), and passes on a cancel after the ack", async () => {
    const failing = setup({ ingest: async () => Promise.reject(new Error("TaskDO overloaded")) });
    const original = console.error;
    console.error = () => undefined;
    try {
      await failing.host.onMessage(socket() as unknown as WebSocket, failing.att(true), events(1));
    } finally {
      console.error = original;
    }
    expect(failing.sent).toEqual([]);
    const cancelling = setup({ ingest: async () => ({ ack: 0, cancel: "this task does not exist on the control plane" }) });
    await cancelling.host.onMessage(socket() as unknown as WebSocket, cancelling.att(true), events(1));
    expect(cancelling.sent.map((m) => m.type)).toEqual(["ack", "cancel"]);
  });

  it("fails waiting requests and marks the host offline when its greeted socket closes, unless a newer one took over", async () => {
    const { host, requests, log, att } = setup();
    const waiting = requests.ask(() => true, { kind: "screenshot" }, 60_000);
    await host.onClose(att(true));
    expect(await waiting).toMatchObject({ ok: false, error: { code: "host_unavailable" } });
    expect(log).toEqual(["offline"]);

    const replaced = setup({ otherHost: true });
    await replaced.host.onClose(replaced.att(true));
    await replaced.host.onClose(replaced.att(false));
    expect(replaced.log).toEqual([]);
  });

  it("answers a running task's memory request for this desktop, and a failure as an error the agent is told", async () => {
    const ok = setup({ memory: async () => ({ ok: true, kind: "search", memories: [{ id: "mem_0123456789ab", collection: "sites", content: "Accept the cookie wall first" }] }) });
    const request = encodeHostMessage({ type: "memory_request", requestId: "r1", taskId: TASK, request: { kind: "search", query: "cookie wall" } });
    await ok.host.onMessage(socket() as unknown as WebSocket, ok.att(true), request);
    expect(ok.log).toEqual([`memory desk-1 ${TASK} search`, "send memory_response"]);
    expect(ok.sent[0]).toEqual({ type: "memory_response", requestId: "r1", result: { ok: true, kind: "search", memories: [{ id: "mem_0123456789ab", collection: "sites", content: "Accept the cookie wall first" }] } });

    const broken = setup({ memory: async () => Promise.reject(new Error("D1 is down")) });
    await broken.host.onMessage(socket() as unknown as WebSocket, broken.att(true), request);
    expect(broken.sent[0]).toMatchObject({ type: "memory_response", requestId: "r1", result: { ok: false, error: { code: "internal" } } });
  });

  it("refuses a memory request before hello", async () => {
    const { host, log, att } = setup();
    const ws = socket();
    await host.onMessage(ws as unknown as WebSocket, att(false), encodeHostMessage({ type: "memory_request", requestId: "r1", taskId: TASK, request: { kind: "search", query: "x" } }));
    expect(ws.closed?.code).toBe(CloseCode.policy);
    expect(log).toEqual([]);
  });
});
