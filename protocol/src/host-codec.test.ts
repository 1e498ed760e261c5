import { describe, expect, it } from "vitest";
import { decodeHostMessage, decodeServerMessage, encodeEventsMessage, encodeHostMessage, encodeServerMessage } from "./host-codec.ts";
import type { HostMessage, ServerMessage } from "./host-protocol.ts";
import { HOST_PROTOCOL_VERSION } from "./host-protocol.ts";

const TASK = "tsk_0123456789ab";
const capabilities = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "0.1.0", vnc: { reachable: true }, tools: [], runsTasks: true };
const hello: Extract<HostMessage, { type: "hello" }> = { type: "hello", protocolVersion: HOST_PROTOCOL_VERSION, desktopId: "mac-studio", capabilities, activeTasks: [TASK] };
const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe("the control channel's codec, at DesktopDO's end", () => {
  it("decodes what the host encodes: hello, heartbeat, events and a desktop response", () => {
    const sent: HostMessage[] = [
      hello,
      { type: "heartbeat", at: 1_700_000_000_000 },
      { type: "events", taskId: TASK, events: [{ seq: 1, kind: "started", at: 1_700_000_000_000, data: { resume: false } }] },
      { type: "desktop_response", requestId: "req-1", result: { ok: false, error: { code: "unsupported", message: "no live view here" } } },
    ];
    for (const m of sent) expect(decodeHostMessage(encodeHostMessage(m))).toEqual({ ok: true, message: m });
  });

  it("fills in what an older host leaves out with the schema's defaults", () => {
    const { activeTasks: _, ...bare } = hello;
    const decoded = decodeHostMessage(JSON.stringify({ ...bare, capabilities: { ...capabilities, tools: undefined } }));
    expect(decoded.ok && decoded.message).toMatchObject({ type: "hello", activeTasks: [], capabilities: { tools: [] } });
  });

  it("reads a binary frame as UTF-8 JSON", () => {
    expect(decodeHostMessage(bytes(JSON.stringify({ type: "heartbeat", at: 5 })))).toEqual({ ok: true, message: { type: "heartbeat", at: 5 } });
  });

  it("refuses a frame that is not JSON with bad_json", () => {
    expect(decodeHostMessage("{not json")).toEqual({ ok: false, code: "bad_json", reason: "messages must be JSON text" });
    expect(decodeHostMessage(bytes("\u0000\u0001"))).toMatchObject({ ok: false, code: "bad_json" });
  });

  it("refuses JSON the schema does not allow with bad_message, naming the field", () => {
    const badTask = decodeHostMessage(JSON.stringify({ type: "events", taskId: "nope", events: [{ seq: 1, kind: "started", at: 1 }] }));
    expect(badTask).toMatchObject({ ok: false, code: "bad_message" });
    expect(!badTask.ok && badTask.reason).toMatch(/^invalid message: taskId: a task id looks like/);
    const noEvents = decodeHostMessage(JSON.stringify({ type: "events", taskId: TASK, events: [] }));
    expect(!noEvents.ok && noEvents.reason).toMatch(/^invalid message: events: /);
    expect(decodeHostMessage("42")).toMatchObject({ ok: false, code: "bad_message", reason: expect.stringMatching(/^invalid message: \(root\): /) });
  });

  it("refuses a message only the server sends", () => {
    const welcome = encodeServerMessage({ type: "welcome", desktopId: "mac-studio", heartbeatIntervalMs: 10_000, serverTime: 1 });
    expect(decodeHostMessage(welcome)).toMatchObject({ ok: false, code: "bad_message" });
  });

  it("takes an events message built from events encoded one by one, as the host's outbox sends it", () => {
    const events = [
      { seq: 7, kind: "assistant_text", at: 1_700_000_000_000, data: { text: "clicking \"OK\"" } },
      { seq: 8, kind: "completed", at: 1_700_000_000_001, data: { result: "done" } },
    ] as const;
    const decoded = decodeHostMessage(encodeEventsMessage(TASK, events.map((e) => JSON.stringify(e))));
    expect(decoded).toEqual({ ok: true, message: { type: "events", taskId: TASK, events } });
  });
});

describe("the control channel's codec, at the host's end", () => {
  it("decodes what DesktopDO encodes", () => {
    const sent: ServerMessage[] = [
      { type: "welcome", desktopId: "mac-studio", heartbeatIntervalMs: 10_000, serverTime: 1_700_000_000_000 },
      { type: "ack", taskId: TASK, seq: 3 },
      { type: "cancel", taskId: TASK, reason: "cancelled by admin" },
      { type: "desktop_request", requestId: "req-1", request: { kind: "screenshot", width: 640 } },
      { type: "tunnel_open", tunnelId: "tun_0123456789", ticket: "t" },
      { type: "help_answer", taskId: TASK, requestId: "help-1", status: "answered", answer: "yes" },
      { type: "error", code: "bad_json", message: "messages must be JSON text" },
    ];
    for (const m of sent) expect(decodeServerMessage(encodeServerMessage(m))).toEqual({ ok: true, message: m });
  });

  it("refuses what the protocol does not define: bad JSON, bad fields, unknown types, a host's own messages", () => {
    expect(decodeServerMessage("{not json")).toMatchObject({ ok: false, code: "bad_json" });
    const badAck = decodeServerMessage(JSON.stringify({ type: "ack", taskId: TASK, seq: -1 }));
    expect(!badAck.ok && badAck.reason).toMatch(/^invalid message: seq: /);
    expect(decodeServerMessage(JSON.stringify({ type: "surprise" }))).toMatchObject({ ok: false, code: "bad_message" });
    expect(decodeServerMessage(encodeHostMessage(hello))).toMatchObject({ ok: false, code: "bad_message" });
  });
});
