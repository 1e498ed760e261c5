import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "@deskfleet/protocol/close-codes";
import { ReconnectingSocket, type ConnectionState } from "./reconnecting-socket.ts";

/** Stands in for a browser WebSocket: the test opens and closes it as the server would. */
class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  closedWith: { code: number; reason: string } | null = null;
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  serverCloses(code: number, reason = ""): void {
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

function open(onFatal = vi.fn()) {
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const socket = new ReconnectingSocket({
    url: "ws://dashboard.test/api/live",
    onMessage: () => undefined,
    onState: (s) => states.push(s),
    onFatal,
    random: () => 1,
    baseDelayMs: 100,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s as unknown as WebSocket;
    },
  });
  return { socket, sockets, states, onFatal };
}

describe("ReconnectingSocket", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reconnects after the server goes away (a deploy)", () => {
    const { sockets, states } = open();
    sockets[0]!.onopen?.();
    sockets[0]!.serverCloses(CloseCode.goingAway, "deploy");
    expect(states.at(-1)).toMatchObject({ kind: "waiting", attempt: 1 });
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
  });

  it.each([
    ["a policy refusal", CloseCode.policy],
    ["an expired session", CloseCode.unauthorized],
    ["a role that may not watch", CloseCode.forbidden],
  ])("stops for good after %s and says why", (_what, code) => {
    const { sockets, states, onFatal } = open();
    sockets[0]!.onopen?.();
    sockets[0]!.serverCloses(code, "sign in again");
    expect(states.at(-1)).toEqual({ kind: "closed" });
    expect(onFatal).toHaveBeenCalledWith(code, "sign in again");
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("closes with a normal closure when the viewer leaves", () => {
    const { socket, sockets } = open();
    sockets[0]!.onopen?.();
    socket.close();
    expect(sockets[0]!.closedWith).toEqual({ code: CloseCode.normal, reason: "viewer left" });
  });
});
