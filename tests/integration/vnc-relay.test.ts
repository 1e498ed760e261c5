import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { api, apiToken, createDesktop, createTask, env, eventually, hostToken, taskStatus } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";

const VERSION = "RFB 003.008\n";
const pointer = (x: number, y: number, mask: number) => Uint8Array.of(5, mask, x >> 8, x & 255, y >> 8, y & 255);
/** The viewer's side of a 3.8 handshake with security None, then ClientInit (shared). */
const viewerHandshake = () => new Uint8Array([...new TextEncoder().encode(VERSION), 1, 1]);

const tokens = new WeakMap<TestHost, string>();
// Heartbeat timeout is 1.5 s in tests: hosts here keep beating until the test ends.
const beats: ReturnType<typeof setInterval>[] = [];
afterEach(() => {
  for (const b of beats.splice(0)) clearInterval(b);
});
const tokenOf = (host: TestHost) => tokens.get(host)!;

async function hostFor(id: string, extra: Record<string, unknown> = {}) {
  await createDesktop(id, extra);
  const token = await hostToken(id);
  const host = new TestHost(id, token);
  tokens.set(host, token);
  await host.connect();
  beats.push(setInterval(() => host.ws && host.heartbeat(), 300));
  return host;
}

async function ticket(desktopId: string, token?: string): Promise<string> {
  const res = await api("POST", `/api/desktops/${desktopId}/vnc-ticket`, token === undefined ? {} : { token });
  expect(res.status).toBe(201);
  expect(res.json.url).toBe(`/api/desktops/${desktopId}/vnc?ticket=${res.json.ticket}`);
  return res.json.ticket as string;
}

/** Opens a viewer with a fresh ticket, answers the host's tunnel_open with a real tunnel socket. */
async function pairedViewer(host: TestHost, token?: string) {
  const viewer = await RawSocket.open(`/api/desktops/${host.desktopId}/vnc?ticket=${await ticket(host.desktopId, token)}`);
  const open = await host.next("tunnel_open");
  const tunnel = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
  return { viewer, tunnel, open };
}

describe("the VNC relay", () => {
  it("pairs a ticketed viewer with the tunnel its host dials and forwards bytes both ways", async () => {
    const host = await hostFor("relay-pair-1");
    const { viewer, tunnel } = await pairedViewer(host);
    expect(viewer.status).toBe(101);
    tunnel.send(VERSION);
    await viewer.waitFor(() => viewer.text() === VERSION, "the server's version at the viewer");
    viewer.send(viewerHandshake());
    await tunnel.waitFor(() => tunnel.bytes().length === 14, "the viewer's handshake at the tunnel");
    expect(tunnel.bytes()).toEqual(viewerHandshake());
    viewer.close();
    expect((await tunnel.waitClosed()).code).toBe(CloseCode.normal);
  });

  it("refuses a viewer without a ticket, with a used ticket and with an expired one (4401)", async () => {
    const host = await hostFor("relay-refuse-1");
    const anonymous = await SELFless(`/api/desktops/relay-refuse-1/vnc`);
    expect(anonymous).toBe(401);

    const t = await ticket("relay-refuse-1");
    const first = await RawSocket.open(`/api/desktops/relay-refuse-1/vnc?ticket=${t}`);
    await host.next("tunnel_open");
    const again = await RawSocket.open(`/api/desktops/relay-refuse-1/vnc?ticket=${t}`);
    const closed = await again.waitClosed();
    expect(closed.code).toBe(CloseCode.badTicket);
    expect(closed.reason).toMatch(/vnc-ticket/);
    first.close();

    const stale = await ticket("relay-refuse-1");
    const stub = env.DESKTOP.get(env.DESKTOP.idFromName("relay-refuse-1"));
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec(`UPDATE relay_tickets SET expires_at = ? WHERE kind = 'viewer'`, Date.now() - 1);
    });
    expect((await (await RawSocket.open(`/api/desktops/relay-refuse-1/vnc?ticket=${stale}`)).waitClosed()).code).toBe(CloseCode.badTicket);
    expect(host.received.filter((m) => m.type === "tunnel_open")).toHaveLength(0);

    const malformed = await api("GET", "/api/desktops/relay-refuse-1/vnc?ticket=nope", { token: null });
    expect(malformed.status).toBe(422);
  });

  it("only lets viewers ask for tickets, and 404s an unknown desktop", async () => {
    expect((await api("POST", "/api/desktops/relay-nobody/vnc-ticket")).status).toBe(404);
    await createDesktop("relay-roles-1");
    expect((await api("POST", "/api/desktops/relay-roles-1/vnc-ticket", { token: await apiToken("viewer") })).status).toBe(201);
    expect((await api("POST", "/api/desktops/relay-roles-1/vnc-ticket", { token: null })).status).toBe(401);
  });

  it("holds what a viewer sends before its tunnel exists and delivers it, in order, on pairing", async () => {
    const host = await hostFor("relay-early-1");
    const viewer = await RawSocket.open(`/api/desktops/relay-early-1/vnc?ticket=${await ticket("relay-early-1")}`);
    const open = await host.next("tunnel_open");
    viewer.send(new TextEncoder().encode(VERSION));
    viewer.send(Uint8Array.of(1));
    await new Promise((r) => setTimeout(r, 100));
    const tunnel = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
    await tunnel.waitFor(() => tunnel.bytes().length === 13, "early bytes at the tunnel");
    expect(tunnel.bytes()).toEqual(viewerHandshake().subarray(0, 13));
  });

  it("refuses a tunnel with a used ticket, another host's token or a viewer that already left", async () => {
    const host = await hostFor("relay-tunnel-1");
    const { viewer, open } = await pairedViewer(host);
    const reuse = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
    expect((await reuse.waitClosed()).code).toBe(CloseCode.badTicket);
    viewer.close();

    const other = await hostFor("relay-tunnel-2");
    const v2 = await RawSocket.open(`/api/desktops/relay-tunnel-1/vnc?ticket=${await ticket("relay-tunnel-1")}`);
    const open2 = await host.next("tunnel_open");
    const wrongHost = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open2.tunnelId}&ticket=${open2.ticket}`, { authorization: `Bearer ${tokenOf(other)}` });
    expect((await wrongHost.waitClosed()).code).toBe(CloseCode.badTicket);
    v2.close();
    await v2.waitClosed();

    const v3 = await RawSocket.open(`/api/desktops/relay-tunnel-1/vnc?ticket=${await ticket("relay-tunnel-1")}`);
    const open3 = await host.next("tunnel_open");
    v3.close();
    await new Promise((r) => setTimeout(r, 50));
    const late = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open3.tunnelId}&ticket=${open3.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
    expect([CloseCode.badTicket, CloseCode.peerGone]).toContain((await late.waitClosed()).code);
    expect((await api("GET", `/api/hosts/tunnel?tunnel=${open3.tunnelId}&ticket=x`, { token: null })).status).toBe(401);
  });

  it("closes a viewer with 4503 when the desktop has neither a host token nor a VNC URL", async () => {
    await createDesktop("relay-none-1");
    const viewer = await RawSocket.open(`/api/desktops/relay-none-1/vnc?ticket=${await ticket("relay-none-1")}`);
    const closed = await viewer.waitClosed();
    expect(closed.code).toBe(CloseCode.noVncRoute);
    expect(closed.reason).toMatch(/no host connected and no VNC URL/);
  });

  it("closes a viewer whose tunnel never comes after the 15 s pairing timeout (4504), and refuses that tunnel afterwards", { timeout: 25_000 }, async () => {
    const host = await hostFor("relay-timeout-1");
    const viewer = await RawSocket.open(`/api/desktops/relay-timeout-1/vnc?ticket=${await ticket("relay-timeout-1")}`);
    const open = await host.next("tunnel_open");
    const started = Date.now();
    const closed = await viewer.waitClosed(20_000);
    expect(closed.code).toBe(CloseCode.pairingTimeout);
    expect(closed.reason).toMatch(/did not open a tunnel within 15 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(14_000);
    const late = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
    expect((await late.waitClosed()).code).toBe(CloseCode.badTicket);
  });

  it("gives each of three viewers its own tunnel", async () => {
    const host = await hostFor("relay-three-1");
    const pairs = [await pairedViewer(host), await pairedViewer(host), await pairedViewer(host)];
    expect(new Set(pairs.map((p) => p.open.tunnelId)).size).toBe(3);
    pairs.forEach((p, i) => p.tunnel.send(`tunnel ${i}`));
    for (const [i, p] of pairs.entries()) await p.viewer.waitFor(() => p.viewer.text() === `tunnel ${i}`, `viewer ${i}'s own bytes`);
  });

  it("asks a host that reconnects for the tunnel of a viewer that opened while it was away", async () => {
    const host = await hostFor("relay-reconnect-1");
    host.drop();
    await eventually(async () => !(await env.DESKTOP.get(env.DESKTOP.idFromName("relay-reconnect-1")).hostStatus()).connected, "host gone");
    const viewer = await RawSocket.open(`/api/desktops/relay-reconnect-1/vnc?ticket=${await ticket("relay-reconnect-1")}`);
    await host.connect();
    const open = await host.next("tunnel_open");
    const tunnel = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${tokenOf(host)}` });
    tunnel.send(VERSION);
    await viewer.waitFor(() => viewer.text() === VERSION, "bytes after the host came back");
  });
});

describe("taking over", () => {
  it("drops a view-only viewer's pointer events and passes the taker's; takeover pauses the task and hand-back resumes it with a note", async () => {
    const host = await hostFor("takeover-1");
    const task = await createTask({ prompt: "work on the desktop", desktopId: "takeover-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);
    expect(await taskStatus(task.id)).toBe("running");

    const operator = await apiToken("operator");
    const taker = await pairedViewer(host, operator);
    const watcher = await pairedViewer(host);
    for (const p of [taker, watcher]) p.viewer.send(viewerHandshake());
    for (const p of [taker, watcher]) await p.tunnel.waitFor(() => p.tunnel.bytes().length === 14, "handshake");

    // Nobody holds the lease: both viewers are view-only.
    taker.viewer.send(pointer(10, 10, 1));
    await new Promise((r) => setTimeout(r, 100));
    expect(taker.tunnel.bytes().length).toBe(14);

    const took = await api("POST", "/api/desktops/takeover-1/takeover", { token: operator });
    expect(took.status).toBe(200);
    expect(took.json.pausedTaskId).toBe(task.id);
    expect(took.json.holder.name).toBe("operator for tests");
    expect((await host.next("pause")).taskId).toBe(task.id);
    expect(await taskStatus(task.id)).toBe("waiting_for_human");
    expect((await api("POST", "/api/desktops/takeover-1/takeover")).status).toBe(409);

    taker.viewer.send(pointer(20, 30, 1));
    watcher.viewer.send(pointer(40, 50, 1));
    await taker.tunnel.waitFor(() => taker.tunnel.bytes().length === 20, "the taker's pointer event");
    expect(taker.tunnel.bytes().subarray(14)).toEqual(pointer(20, 30, 1));
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.tunnel.bytes().length).toBe(14);

    // An event already in flight from the host does not resume the task behind the person's back.
    host.sendEvents(task.id, [{ seq: 2, kind: "assistant_text", data: { text: "late", step: 1 } }]);
    await host.ackedAtLeast(task.id, 2);
    expect(await taskStatus(task.id)).toBe("waiting_for_human");

    expect((await api("POST", "/api/desktops/takeover-1/handback", { token: await apiToken("operator") })).status).toBe(403);
    const back = await api("POST", "/api/desktops/takeover-1/handback", { token: operator, body: { note: "closed the dialog" } });
    expect(back.status).toBe(200);
    expect(back.json.resumedTaskId).toBe(task.id);
    const resume = await host.next("resume");
    expect(resume.note).toMatch(/closed the dialog/);
    expect(resume.note).toMatch(/fresh screenshot/);
    expect(await taskStatus(task.id)).toBe("running");

    taker.viewer.send(pointer(60, 70, 0));
    await new Promise((r) => setTimeout(r, 100));
    expect(taker.tunnel.bytes().length).toBe(20);

    const log = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = 'takeover-1' ORDER BY id").all<{ action: string }>();
    expect(log.results.map((r) => r.action)).toEqual(expect.arrayContaining(["desktop.takeover", "desktop.handback"]));
    const events = await api("GET", `/api/tasks/${task.id}/events`);
    const statuses = events.json.items.filter((e: any) => e.kind === "status").map((e: any) => e.data.reason ?? null);
    expect(statuses).toContain("takeover");
  });

  it("ends the lease by itself after inactivity and resumes the task", async () => {
    const host = await hostFor("takeover-idle-1");
    const task = await createTask({ prompt: "work", desktopId: "takeover-idle-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);
    expect((await api("POST", "/api/desktops/takeover-idle-1/takeover")).status).toBe(200);
    const stub = env.DESKTOP.get(env.DESKTOP.idFromName("takeover-idle-1"));
    // The lease's inactivity deadline is on the object's alarm (5 min by default)...
    const armed = await runInDurableObject(stub, (_obj, state) =>
      state.storage.sql.exec<{ at: number }>(`SELECT at FROM deadlines WHERE name = 'lease'`).one().at);
    expect(armed - Date.now()).toBeGreaterThan(4 * 60_000);
    // ...and when it fires 10 minutes on with no input from the holder, the lease ends by itself.
    await runInDurableObject(stub, (obj) =>
      (obj as unknown as { takeover: { checkExpiry(id: string, now: number): Promise<void> } }).takeover.checkExpiry("takeover-idle-1", Date.now() + 10 * 60_000));
    expect((await host.next("resume")).taskId).toBe(task.id);
    expect(await taskStatus(task.id)).toBe("running");
    expect((await api("GET", "/api/desktops/takeover-idle-1/takeover")).json.lease).toBeNull();
  });
});

describe("screenshots and input through the host", () => {
  it("asks the host for a screenshot and returns its PNG", async () => {
    const host = await hostFor("shot-host-1");
    const pending = api("GET", "/api/desktops/shot-host-1/screenshot?width=320");
    const req = await host.next("desktop_request");
    expect(req.request).toEqual({ kind: "screenshot", width: 320 });
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    host.send({ type: "desktop_response", requestId: req.requestId, result: { ok: true, png } });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
  });

  it("validates input strictly (422, nothing sent) and maps the host's refusal to a 4xx", async () => {
    const host = await hostFor("input-host-1");
    for (const body of [{ action: "teleport" }, { action: "click", x: -1, y: 0 }, { action: "type" }, { action: "click", x: 1, y: 2, extra: true }]) {
      expect((await api("POST", "/api/desktops/input-host-1/input", { body })).status).toBe(422);
    }
    expect(host.received.some((m) => m.type === "desktop_request")).toBe(false);
    const pending = api("POST", "/api/desktops/input-host-1/input", { body: { action: "key", keys: "ctrl+l" } });
    const req = await host.next("desktop_request");
    expect(req.request).toEqual({ kind: "input", input: { action: "key", keys: "ctrl+l" } });
    host.send({ type: "desktop_response", requestId: req.requestId, result: { ok: false, error: { code: "invalid_input", message: "(5000, 1) is outside the 1280x800 screen" } } });
    const res = await pending;
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(/outside/);
    expect((await api("POST", "/api/desktops/input-host-1/input", { body: { action: "move", x: 1, y: 1 }, token: await apiToken("viewer") })).status).toBe(403);
  });

  it("answers 409 for a desktop with no host and no VNC URL", async () => {
    await createDesktop("shot-none-1");
    const res = await api("GET", "/api/desktops/shot-none-1/screenshot");
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/no host connected and no VNC URL/);
  });
});

async function SELFless(path: string): Promise<number> {
  return (await api("GET", path, { token: null })).status;
}
