import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { HostMessage, ServerMessage, type EventsMessage, type HelloMessage } from "@deskfleet/protocol";
import { HostRuntime } from "../runtime/host-runtime.ts";
import { createLogger } from "../runtime/logger.ts";
import type { VncConnection } from "../runtime/vnc-connection.ts";
import { hostCapabilities } from "./host-info.ts";
import { createHostRunner } from "./runner-factory.ts";
import { NO_API_KEY_REASON, taskAbility } from "./task-ability.ts";

/** A control plane that checks what the host sends against the protocol, as the DesktopDO does. */
async function fakeControlPlane() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/api/hosts/connect" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const received: HostMessage[] = [];
  let socket: WebSocket | null = null;
  const waiters: (() => void)[] = [];
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data) => {
      const m = HostMessage.parse(JSON.parse(String(data)));
      received.push(m);
      if (m.type === "hello") send({ type: "welcome", desktopId: m.desktopId, heartbeatIntervalMs: 60_000, serverTime: Date.now() });
      if (m.type === "events") send({ type: "ack", taskId: m.taskId, seq: m.events.at(-1)!.seq });
      for (const w of waiters.splice(0)) w();
    });
  });
  const send = (m: unknown) => socket!.send(JSON.stringify(ServerMessage.parse(m)));
  const until = async <T>(find: () => T | undefined): Promise<T> => {
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out; the host sent ${JSON.stringify(received)}`)), 5_000);
        waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  };
  const port = (wss.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, received, send, until, close: () => new Promise<void>((r) => wss.close(() => r())) };
}

/** The host's VNC session, which a refused task must not touch. */
const untouchableVnc = new Proxy({} as VncConnection, {
  get(_target, key) {
    throw new Error(`the refused task used the desktop (vnc.${String(key)})`);
  },
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("a host without an Anthropic API key", () => {
  it("runs no tasks and says how to change that; either key variable is enough to run them", () => {
    expect(taskAbility({})).toEqual({ runsTasks: false, reason: NO_API_KEY_REASON });
    expect(taskAbility({ ANTHROPIC_API_KEY: "" })).toEqual({ runsTasks: false, reason: NO_API_KEY_REASON });
    expect(NO_API_KEY_REASON).toMatch(/set it and restart deskfleet-host/);
    expect(taskAbility({ ANTHROPIC_API_KEY: "sk-ant-x" })).toEqual({ runsTasks: true });
    expect(taskAbility({ ANTHROPIC_AUTH_TOKEN: "gateway-token" })).toEqual({ runsTasks: true });
  });

  it("connects saying it runs no tasks, then refuses an assigned task with a clear failure and stays connected", async () => {
    const cp = await fakeControlPlane();
    cleanups.push(cp.close);
    const ability = taskAbility({});
    const lines: string[] = [];
    const runtime = new HostRuntime({
      server: cp.url,
      desktopId: "view-only-desk",
      token: "dfh_unit-test-token-0000",
      runner: createHostRunner({ vnc: untouchableVnc, model: undefined, os: "Linux", ability }),
      capabilities: async () => hostCapabilities({ reachable: true, screen: { width: 1280, height: 800 } }, undefined, ability),
      logger: createLogger({ write: (l) => lines.push(l) }),
    });
    cleanups.push(() => runtime.stop("test done", 100));
    runtime.start();

    const hello = await cp.until(() => cp.received.find((m): m is HelloMessage => m.type === "hello"));
    expect(hello.capabilities).toMatchObject({ runsTasks: false, runsTasksReason: NO_API_KEY_REASON, vnc: { reachable: true } });

    cp.send({ type: "assign", task: { id: "tsk_0123456789abcdef", prompt: "open example.com", options: {}, followUps: [], resume: false, nextSeq: 1 } });
    const events = await cp.until(() => {
      const all = cp.received.filter((m): m is EventsMessage => m.type === "events").flatMap((m) => m.events);
      return all.some((e) => e.kind === "failed") ? all : undefined;
    });
    expect(events.map((e) => e.kind)).toEqual(["started", "failed"]);
    expect(events[1]!.data).toMatchObject({
      error: { code: "host_runs_no_tasks", message: `this desktop's host runs no tasks: ${NO_API_KEY_REASON}` },
    });

    // Still connected and answering: the refusal ended the task, not the host.
    cp.send({ type: "desktop_request", requestId: "req-after-refusal", request: { kind: "screenshot" } });
    await cp.until(() => cp.received.find((m) => m.type === "desktop_response" && m.requestId === "req-after-refusal"));
    expect(runtime.currentTaskId).toBeNull();
    expect(await Promise.race([runtime.exited.then(() => "exited"), new Promise((r) => setTimeout(() => r("running"), 200))])).toBe("running");
    expect(lines.join("\n")).not.toMatch(/runner_crashed/);
  });
});
