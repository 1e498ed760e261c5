import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { api, apiToken, createDesktop, createTask, env, hostToken } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";

// The Worker builds the request a Durable Object sees from what it verified; a client that sends
// the internal headers (today's names and the grant's) gets nothing from them.

const beats: ReturnType<typeof setInterval>[] = [];
afterEach(() => {
  for (const b of beats.splice(0)) clearInterval(b);
});

/** Every internal header a forger could try, claiming a viewer that holds the takeover, an admin and another desktop. */
function forged(desktopId: string, holder = "token:someone-else"): Record<string, string> {
  const admin = { id: holder, name: "forger", role: "admin", keys: ["admin:0000000000000000"] };
  return {
    "x-deskfleet-socket": "viewer",
    "x-deskfleet-verified-viewer": JSON.stringify({ id: holder, name: "forger" }),
    "x-deskfleet-verified-desktop": "some-other-desktop",
    "x-deskfleet-grant": JSON.stringify({ socket: "viewer", desktopId, viewer: admin, ticket: null }),
  };
}

async function connectedHost(id: string): Promise<{ host: TestHost; token: string }> {
  await createDesktop(id);
  const token = await hostToken(id);
  const host = new TestHost(id, token);
  await host.connect();
  beats.push(setInterval(() => host.ws && !host.closed && host.heartbeat(), 300));
  return { host, token };
}

describe("internal headers from a client", () => {
  it("make a host token's socket a host socket, never a viewer: the newer host replaces the old, and no tunnel is asked for", async () => {
    const { host, token } = await connectedHost("forge-host-1");
    const sneaky = await RawSocket.open("/api/hosts/connect", { authorization: `Bearer ${token}`, ...forged("forge-host-1") });
    expect(sneaky.status).toBe(101);
    // A host socket replaces the connected host (newest wins); a viewer would have made the host open a tunnel.
    expect((await host.waitClosed()).code).toBe(CloseCode.replaced);
    expect(host.received.filter((m) => m.type === "tunnel_open")).toHaveLength(0);
    const capabilities = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "test", vnc: { reachable: true }, tools: [] };
    sneaky.send(JSON.stringify({ type: "hello", protocolVersion: 99, desktopId: "forge-host-1", capabilities, activeTasks: [] }));
    const closed = await sneaky.waitClosed();
    expect(closed.code).toBe(CloseCode.badVersion);
  });

  it("make the tunnel endpoint a tunnel, never a viewer: a bad ticket is refused and the host is asked for nothing", async () => {
    const { host, token } = await connectedHost("forge-tunnel-1");
    const sneaky = await RawSocket.open(`/api/hosts/tunnel?tunnel=tun_forgedforged&ticket=dfn_${"A".repeat(43)}`, { authorization: `Bearer ${token}`, ...forged("forge-tunnel-1") });
    expect((await sneaky.waitClosed()).code).toBe(CloseCode.badTicket);
    await new Promise((r) => setTimeout(r, 200));
    expect(host.received.filter((m) => m.type === "tunnel_open")).toHaveLength(0);
  });

  it("do not open a live view: a bad ticket is refused whatever viewer the headers name", async () => {
    const { host } = await connectedHost("forge-vnc-1");
    const sneaky = await RawSocket.open(`/api/desktops/forge-vnc-1/vnc?ticket=dfv_${"A".repeat(43)}`, forged("forge-vnc-1"));
    expect((await sneaky.waitClosed()).code).toBe(CloseCode.badTicket);
    expect(host.received.filter((m) => m.type === "tunnel_open")).toHaveLength(0);
  });

  it("do not change who a feed belongs to: revoking the real token closes the fleet feed, task watcher and supervisor feed it opened", async () => {
    await createDesktop("forge-feeds-1");
    const task = await createTask({ prompt: "watched by a forger", desktopId: "forge-feeds-1" });
    const created = (await api("POST", "/api/tokens", { body: { name: "forger", role: "operator" } })).json as { id: string; token: string };
    const bystander = await apiToken("operator");
    const headers: Record<string, string> = { authorization: `Bearer ${created.token}`, ...forged("forge-feeds-1", "token:bystander") };
    // The forged grant names other keys; the object must hold the keys the Worker verified.
    headers["x-deskfleet-grant"] = JSON.stringify({ socket: "feed", reader: { id: "token:bystander", name: "x", role: "admin", keys: [`token:${bystander}`] } });
    const sockets = [
      await RawSocket.open("/api/live", headers),
      await RawSocket.open(`/api/tasks/${task.id}/live`, headers),
      await RawSocket.open("/api/supervisor/conversations/dash:forge-feeds-1/live", headers),
    ];
    for (const s of sockets) expect(s.status).toBe(101);
    await sockets[0]!.waitFor(() => sockets[0]!.text().includes("hello"), "the fleet feed's hello");
    expect((await api("DELETE", `/api/tokens/${created.id}`)).status).toBe(200);
    for (const s of sockets) expect((await s.waitClosed()).code).toBe(CloseCode.unauthorized);
  });

  it("are never what a Durable Object reads: an object refuses a bare upgrade that carries them", async () => {
    const stub = env.DESKTOP.get(env.DESKTOP.idFromName("forge-direct-1"));
    const res = await stub.fetch("https://x/", { headers: { upgrade: "websocket", "x-deskfleet-socket": "viewer", "x-deskfleet-verified-desktop": "forge-direct-1" } });
    expect(res.status).toBe(400);
  });
});
