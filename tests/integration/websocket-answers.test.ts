import { describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { fleetObject, supervisorObject, taskObject } from "../../domain/addresses.ts";
import { api, createDesktop, createTask, env, hostToken } from "./support/api.ts";

const UPGRADE_REQUIRED = { error: { code: "upgrade_required", message: "this endpoint is a WebSocket; connect with `Upgrade: websocket`" } };

/** Accepts the client end of a refused socket and waits for its close. */
async function closeOf(res: Response): Promise<{ code: number; reason: string }> {
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status}`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (ev) => resolve({ code: ev.code, reason: ev.reason })));
  ws.accept();
  return closed;
}

describe("how WebSocket endpoints answer what they will not serve", () => {
  it("refuses a socket by accepting the upgrade and closing it at once with the code and the reason", async () => {
    const res = refuseSocket(CloseCode.tooManyViewers, "desktop d already has 16 viewers; close one and retry");
    expect(res.status).toBe(101);
    expect(await closeOf(res)).toEqual({ code: CloseCode.tooManyViewers, reason: "desktop d already has 16 viewers; close one and retry" });
  });

  it("cuts a refusal's reason to the 123 bytes a close frame can carry", async () => {
    const { code, reason } = await closeOf(refuseSocket(CloseCode.badTicket, `ticket ${"x".repeat(300)}`));
    expect(code).toBe(CloseCode.badTicket);
    expect(new TextEncoder().encode(reason).length).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/^ticket x+…$/);
  });

  it("answers a plain request on each WebSocket route with 426 and the error envelope", async () => {
    await createDesktop("ws-answers-1");
    const task = await createTask({ prompt: "watch me", desktopId: "ws-answers-1" });
    const host = { token: await hostToken("ws-answers-1") };
    for (const [path, opts] of [
      ["/api/live", {}],
      [`/api/tasks/${task.id}/live`, {}],
      ["/api/supervisor/conversations/dash:ws-answers/live", {}],
      ["/api/desktops/ws-answers-1/vnc", {}],
      ["/api/hosts/connect", host],
      ["/api/hosts/tunnel", host],
    ] as const) {
      const res = await api("GET", path, opts);
      expect(res.status, path).toBe(426);
      expect(res.json, path).toEqual(UPGRADE_REQUIRED);
    }
  });

  it("answers a plain request to a feed's Durable Object with the same 426", async () => {
    for (const stub of [fleetObject(env), taskObject(env, "tsk_0000000000ws426aaaa"), supervisorObject(env, "dash:ws-426")]) {
      const res = await stub.fetch("https://do.internal/");
      expect(res.status).toBe(426);
      expect(await res.json()).toEqual(UPGRADE_REQUIRED);
    }
  });
});
