import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, apiToken, asDashboard, createDesktop, ORIGIN, signIn } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";

// Cookie-authenticated changes and sockets must come from the dashboard's own pages: SameSite=Strict
// alone lets a sibling subdomain through.

describe("requests signed in by the session cookie", () => {
  it("refuse a change with no Origin or another site's, and do it from our own origin", async () => {
    await createDesktop("xsite-1");
    const cookie = await signIn(await apiToken("admin"));
    // The probe of the review: a cookie-only POST with no body to /host-token.
    const bare = await api("POST", "/api/desktops/xsite-1/host-token", { token: null, headers: { cookie } });
    expect(bare.status).toBe(403);
    expect(bare.json.error.code).toBe("cross_origin_refused");
    const sibling = await api("POST", "/api/desktops/xsite-1/host-token", { token: null, headers: { cookie, origin: "https://evil.deskfleet.test" } });
    expect(sibling.status).toBe(403);
    expect(sibling.json.error.message).toMatch(/evil\.deskfleet\.test/);
    expect((await api("GET", "/api/desktops/xsite-1", { token: null, headers: { cookie } })).json.hasHostToken).toBe(false);
    expect((await api("POST", "/api/desktops/xsite-1/host-token", asDashboard(cookie))).status).toBe(201);
  });

  it("refuse a WebSocket from another site's page, and open one from ours", async () => {
    const cookie = await signIn(await apiToken("viewer"));
    const foreign = await SELF.fetch(`${ORIGIN}/api/live`, { headers: { upgrade: "websocket", cookie, origin: "https://attacker.example" } });
    expect(foreign.status).toBe(403);
    expect(foreign.webSocket).toBeNull();
    const none = await SELF.fetch(`${ORIGIN}/api/live`, { headers: { upgrade: "websocket", cookie } });
    expect(none.status).toBe(403);
    const ours = await RawSocket.open("/api/live", { cookie, origin: ORIGIN });
    expect(ours.status).toBe(101);
    ours.close();
  });

  it("still let reads through without an Origin (a browser sends none on a same-origin GET)", async () => {
    const cookie = await signIn(await apiToken("viewer"));
    expect((await api("GET", "/api/desktops", { token: null, headers: { cookie } })).status).toBe(200);
  });

  it("do not concern bearer tokens, which no browser attaches by itself", async () => {
    await createDesktop("xsite-2");
    expect((await api("POST", "/api/desktops/xsite-2/host-token", { headers: { origin: "https://elsewhere.example" } })).status).toBe(201);
    expect((await api("POST", "/api/desktops/xsite-2/host-token")).status).toBe(201);
  });

  it("refuse a sign-in posted from another site's page", async () => {
    const res = await api("POST", "/api/session", { token: null, headers: { origin: "https://attacker.example" }, body: { token: await apiToken("viewer") } });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

describe("browser hardening headers", () => {
  it("go with every API answer, errors included, and HSTS only over HTTPS", async () => {
    for (const path of ["/api/health", "/api/desktops", "/api/no-such-route"]) {
      const res = await SELF.fetch(`${ORIGIN}${path}`);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(res.headers.get("content-security-policy"), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
    }
    const plain = await SELF.fetch("http://deskfleet.test/api/health");
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    expect(plain.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("the dashboard's pages", () => {
  it("are served with a strict Content-Security-Policy that allows our own sockets, and may not be framed", async () => {
    for (const path of ["/", "/tasks/tsk_0000000000aaaaaaaaaa", "/settings"]) {
      const res = await SELF.fetch(`${ORIGIN}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toMatch(/default-src 'none'/);
      expect(csp, path).toMatch(/script-src 'self'(;|$)/);
      expect(csp, path).toMatch(/connect-src 'self' wss:\/\/deskfleet\.test/);
      expect(csp, path).toMatch(/worker-src 'self' blob:/);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("strict-transport-security"), path).toMatch(/max-age/);
    }
  });

  it("let only Telegram's web client frame the desktop Mini App, which may load Telegram's script", async () => {
    const res = await SELF.fetch(`${ORIGIN}/mini/desktops/mac-studio`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/frame-ancestors https:\/\/web\.telegram\.org(;|$)/);
    expect(csp).toMatch(/script-src 'self' https:\/\/telegram\.org(;|$)/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
