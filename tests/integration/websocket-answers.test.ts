import { describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { fleetObject, supervisorObject, taskObject } from "../../domain/addresses.ts";
import { env } from "./support/api.ts";

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

  // Every route's 426 is checked against the OpenAPI document in openapi.test.ts.
  it("answers a plain request to a feed's Durable Object with the route's 426", async () => {
    for (const stub of [fleetObject(env), taskObject(env, "tsk_0000000000ws426aaaa"), supervisorObject(env, "dash:ws-426")]) {
      const res = await stub.fetch("https://do.internal/");
      expect(res.status).toBe(426);
      expect(await res.json()).toEqual(UPGRADE_REQUIRED);
    }
  });
});
