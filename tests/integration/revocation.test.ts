import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { api, apiToken, asDashboard, createDesktop, createTask, env, eventually, hostToken, signIn, taskStatus } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";
import { noticeAdminRotation } from "../../domain/access/revoke.ts";

// Revoking a credential ends what it opened, now: sessions, live feeds, task watchers, VNC views,
// supervisor feeds and takeover leases, and a replaced host token's host.

const beats: ReturnType<typeof setInterval>[] = [];
afterEach(() => {
  for (const b of beats.splice(0)) clearInterval(b);
});

async function connectedHost(id: string, token?: string): Promise<TestHost> {
  const host = new TestHost(id, token ?? (await hostToken(id)));
  await host.connect();
  beats.push(setInterval(() => host.ws && !host.closed && host.heartbeat(), 300));
  return host;
}

async function newToken(name: string, role: "viewer" | "operator" | "admin"): Promise<{ id: string; token: string }> {
  const res = await api("POST", "/api/tokens", { body: { name, role } });
  expect(res.status).toBe(201);
  return res.json as { id: string; token: string };
}

describe("rotating a host token", () => {
  it("disconnects the host holding the old one with 4401 and a reason, refuses it afterwards, and gives it no more tasks", async () => {
    await createDesktop("rotate-host-1");
    const host = await connectedHost("rotate-host-1");
    const fresh = await hostToken("rotate-host-1");
    const closed = await host.waitClosed();
    expect(closed.code).toBe(CloseCode.badToken);
    expect(closed.reason).toMatch(/host token was replaced/);

    const task = await createTask({ prompt: "for the new host only", desktopId: "rotate-host-1" });
    await eventually(async () => (await api("GET", "/api/desktops/rotate-host-1")).json.presence === "offline", "the desktop offline");
    expect(await taskStatus(task.id)).toBe("queued");
    const again = new TestHost("rotate-host-1", (host as unknown as { token: string }).token);
    await again.open();
    expect((await again.waitClosed()).code).toBe(CloseCode.badToken);

    const replacement = await connectedHost("rotate-host-1", fresh);
    expect((await replacement.next("assign")).task.id).toBe(task.id);
  });
});

describe("revoking an API token", () => {
  it("ends, within seconds, its session and the live feed, task watcher, supervisor feed, VNC view and takeover opened with it", async () => {
    await createDesktop("revoke-all-1");
    const host = await connectedHost("revoke-all-1");
    const task = await createTask({ prompt: "watched, then revoked", desktopId: "revoke-all-1" });
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);

    const { id, token } = await newToken("leaving operator", "operator");
    const cookie = await signIn(token);
    const dash = { cookie, origin: "https://deskfleet.test" };
    const feed = await RawSocket.open("/api/live", dash);
    const watcher = await RawSocket.open(`/api/tasks/${task.id}/live`, { authorization: `Bearer ${token}` });
    const chat = await RawSocket.open("/api/supervisor/conversations/dash:revoke-all-1/live", dash);
    const ticket = (await api("POST", "/api/desktops/revoke-all-1/vnc-ticket", asDashboard(cookie))).json.ticket as string;
    const viewer = await RawSocket.open(`/api/desktops/revoke-all-1/vnc?ticket=${ticket}`);
    await host.next("tunnel_open");
    const unused = (await api("POST", "/api/desktops/revoke-all-1/vnc-ticket", { token })).json.ticket as string;
    expect((await api("POST", "/api/desktops/revoke-all-1/takeover", asDashboard(cookie))).status).toBe(200);
    await host.next("pause");
    for (const s of [feed, watcher, chat, viewer]) expect(s.status).toBe(101);

    const started = Date.now();
    expect((await api("DELETE", `/api/tokens/${id}`)).status).toBe(200);
    for (const s of [feed, watcher, chat, viewer]) {
      const closed = await s.waitClosed(5_000);
      expect(closed.code).toBe(CloseCode.unauthorized);
      expect(closed.reason).toMatch(/revoked/);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    // The takeover ended: the agent resumes, and the lease is gone.
    expect((await host.next("resume")).taskId).toBe(task.id);
    expect((await api("GET", "/api/desktops/revoke-all-1/takeover")).json.lease).toBeNull();
    // Nothing opened with it works any more: the session, a ticket issued before, the token itself.
    expect((await api("GET", "/api/session", asDashboard(cookie))).status).toBe(401);
    expect((await (await RawSocket.open(`/api/desktops/revoke-all-1/vnc?ticket=${unused}`)).waitClosed()).code).toBe(CloseCode.badTicket);
    expect((await api("GET", "/api/tasks", { token })).status).toBe(401);
  });

  it("leaves alone what other credentials opened", async () => {
    const { id, token } = await newToken("revoked", "viewer");
    const other = await apiToken("viewer");
    const mine = await RawSocket.open("/api/live", { authorization: `Bearer ${token}` });
    const theirs = await RawSocket.open("/api/live", { authorization: `Bearer ${other}` });
    await theirs.waitFor(() => theirs.text().includes("hello"), "hello");
    await api("DELETE", `/api/tokens/${id}`);
    expect((await mine.waitClosed()).code).toBe(CloseCode.unauthorized);
    await new Promise((r) => setTimeout(r, 200));
    expect(theirs.closed).toBeNull();
    theirs.close();
  });
});

describe("sessions", () => {
  it("lists each session with who, how, when and where; ending one closes what it opened; others live on", async () => {
    const { token } = await newToken("listed", "viewer");
    const listed = async () =>
      ((await api("GET", "/api/sessions")).json.items as { id: string; identity: { name: string; role: string }; via: string; createdAt: number; lastSeenAt: number; ipCountry: string | null; current: boolean }[]).filter((s) => s.identity.name === "listed");
    const first = await signIn(token);
    const [firstSession] = await listed();
    const second = await signIn(token);
    const both = await listed();
    expect(both).toHaveLength(2);
    for (const s of both) {
      expect(s).toMatchObject({ identity: { role: "viewer" }, via: "api_token", current: false });
      expect(s.id).toMatch(/^ses_/);
      expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt);
      expect(s).toHaveProperty("ipCountry");
    }
    const feedOfFirst = await RawSocket.open("/api/live", { cookie: first, origin: "https://deskfleet.test" });
    const feedOfSecond = await RawSocket.open("/api/live", { cookie: second, origin: "https://deskfleet.test" });
    await feedOfSecond.waitFor(() => feedOfSecond.text().includes("hello"), "hello");

    expect((await api("DELETE", `/api/sessions/${firstSession!.id}`)).status).toBe(200);
    expect((await feedOfFirst.waitClosed()).code).toBe(CloseCode.unauthorized);
    expect((await api("GET", "/api/session", asDashboard(first))).status).toBe(401);
    expect((await api("GET", "/api/session", asDashboard(second))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(feedOfSecond.closed).toBeNull();
    expect((await api("DELETE", `/api/sessions/${firstSession!.id}`)).status).toBe(404);
    expect((await listed()).map((s) => s.id)).toEqual(both.filter((s) => s.id !== firstSession!.id).map((s) => s.id));
    feedOfSecond.close();
  });

  it("signing out closes the session's own feeds", async () => {
    const cookie = await signIn(await apiToken("viewer"));
    const feed = await RawSocket.open("/api/live", { cookie, origin: "https://deskfleet.test" });
    await feed.waitFor(() => feed.text().includes("hello"), "hello");
    expect((await api("DELETE", "/api/session", asDashboard(cookie))).status).toBe(200);
    expect((await feed.waitClosed()).code).toBe(CloseCode.unauthorized);
  });

  it("signs everyone out everywhere, and only admins may list or end sessions", async () => {
    const a = await signIn(await apiToken("operator"));
    const b = await signIn(env.DESKFLEET_ADMIN_TOKEN);
    const operator = await apiToken("operator");
    expect((await api("GET", "/api/sessions", { token: operator })).status).toBe(403);
    expect((await api("DELETE", "/api/sessions", { token: operator })).status).toBe(403);
    const all = await api("DELETE", "/api/sessions", asDashboard(b));
    expect(all.status).toBe(200);
    expect(all.json.ended).toBeGreaterThanOrEqual(2);
    expect(all.headers.get("set-cookie")).toMatch(/deskfleet_session=;/);
    for (const c of [a, b]) expect((await api("GET", "/api/session", asDashboard(c))).status).toBe(401);
    expect((await api("GET", "/api/sessions")).json.items).toEqual([]);
  });
});

describe("rotating the admin token", () => {
  it("ends the sessions, feeds and takeover the old token opened, once the control plane sees the new token", async () => {
    await createDesktop("rotate-admin-1");
    const cookie = await signIn(env.DESKFLEET_ADMIN_TOKEN);
    const feed = await RawSocket.open("/api/live", { cookie, origin: "https://deskfleet.test" });
    await feed.waitFor(() => feed.text().includes("hello"), "hello");
    expect((await api("POST", "/api/desktops/rotate-admin-1/takeover", asDashboard(cookie))).status).toBe(200);

    // What a deploy with a new DESKFLEET_ADMIN_TOKEN does on its first request.
    await noticeAdminRotation({ ...env, DESKFLEET_ADMIN_TOKEN: "the-next-admin-token-0123456789" });
    expect((await feed.waitClosed()).code).toBe(CloseCode.unauthorized);
    expect((await api("GET", "/api/desktops/rotate-admin-1/takeover")).json.lease).toBeNull();
    expect((await api("GET", "/api/sessions")).json.items.filter((s: { via: string }) => s.via === "admin_token")).toEqual([]);
    // Undo, so the other tests keep their admin (the rotation back ends nothing new of theirs that matters).
    await noticeAdminRotation(env);
  });

  it("refuses a session whose admin token is no longer the one in force, and it mints nothing", async () => {
    const cookie = await signIn(env.DESKFLEET_ADMIN_TOKEN);
    const id = (await api("GET", "/api/sessions", asDashboard(cookie))).json.items.find((s: { current: boolean }) => s.current).id as string;
    await env.DB.prepare("UPDATE sessions SET credential = 'admin:0123456789abcdef' WHERE id = ?").bind(id).run();
    const me = await api("GET", "/api/session", asDashboard(cookie));
    expect(me.status).toBe(401);
    expect(me.json.error).toMatchObject({ code: "session_ended" });
    expect(me.json.error.message).toMatch(/admin token .* was rotated/);
    expect((await api("POST", "/api/tokens", { ...asDashboard(cookie), body: { name: "minted", role: "admin" } })).status).toBe(401);
  });
});
