import { describe, expect, it } from "vitest";
import { api, apiToken } from "./support/api.ts";

/** The session cookie from a sign-in response, as `name=value` for a Cookie header. */
function sessionCookie(headers: Headers): { pair: string; attributes: string } {
  const raw = headers.get("set-cookie") ?? "";
  const [pair = "", ...attributes] = raw.split(";").map((s) => s.trim());
  return { pair, attributes: attributes.join("; ") };
}

/** As the dashboard's own pages send it: the cookie, and (as browsers do on every change) our Origin. */
const withCookie = (cookie: string) => ({ token: null, headers: { cookie, origin: "https://deskfleet.test" } });

describe("dashboard sign-in", () => {
  it("signs in with the admin token and sets an HttpOnly, Secure, SameSite=Strict cookie for 7 days", async () => {
    const res = await api("POST", "/api/session", { token: null, body: { token: "test-admin-token-0123456789abcdef" } });
    expect(res.status).toBe(201);
    expect(res.json.identity).toMatchObject({ id: "admin", name: "admin", role: "admin" });
    const { pair, attributes } = sessionCookie(res.headers);
    expect(pair).toMatch(/^deskfleet_session=dfs_[A-Za-z0-9_-]{40,}$/);
    expect(attributes).toMatch(/HttpOnly/);
    expect(attributes).toMatch(/Secure/);
    expect(attributes).toMatch(/SameSite=Strict/);
    expect(attributes).toMatch(/Max-Age=604800/);
    expect(res.json.expiresAt - Date.now()).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
  });

  it("answers who am I for the cookie, and 401 once signed out", async () => {
    const signIn = await api("POST", "/api/session", { token: null, body: { token: "test-admin-token-0123456789abcdef" } });
    const { pair } = sessionCookie(signIn.headers);
    const me = await api("GET", "/api/session", withCookie(pair));
    expect(me.status).toBe(200);
    expect(me.json.identity).toMatchObject({ name: "admin", role: "admin", kind: "session" });
    expect((await api("GET", "/api/desktops", withCookie(pair))).status).toBe(200);

    const out = await api("DELETE", "/api/session", withCookie(pair));
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/deskfleet_session=;.*Max-Age=0/);
    expect((await api("GET", "/api/session", withCookie(pair))).status).toBe(401);
    expect((await api("GET", "/api/desktops", withCookie(pair))).status).toBe(401);
  });

  it("refuses a wrong token with 401 and sets no cookie", async () => {
    const res = await api("POST", "/api/session", { token: null, body: { token: "dft_wrong" } });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("invalid_credentials");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("refuses an empty body with a clear 422", async () => {
    const res = await api("POST", "/api/session", { token: null, body: {} });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("invalid_input");
  });

  it("gives an API token's session that token's role, and ends it when the token is revoked", async () => {
    const created = (await api("POST", "/api/tokens", { body: { name: "phone", role: "viewer" } })).json;
    const signIn = await api("POST", "/api/session", { token: null, body: { token: created.token } });
    expect(signIn.status).toBe(201);
    expect(signIn.json.identity).toMatchObject({ id: `token:${created.id}`, name: "phone", role: "viewer" });
    const { pair } = sessionCookie(signIn.headers);
    expect((await api("POST", "/api/tasks", { ...withCookie(pair), body: { prompt: "hi" } })).status).toBe(403);

    await api("DELETE", `/api/tokens/${created.id}`);
    expect((await api("GET", "/api/session", withCookie(pair))).status).toBe(401);
  });

  it("exchanges a one-time sign-in code exactly once", async () => {
    const minted = await api("POST", "/api/session/link");
    expect(minted.status).toBe(201);
    expect(minted.json.code).toMatch(/^dfc_/);
    expect(minted.json.expiresAt).toBeGreaterThan(Date.now());

    const first = await api("POST", "/api/session", { token: null, body: { code: minted.json.code } });
    expect(first.status).toBe(201);
    expect(first.json.identity).toMatchObject({ id: "admin", role: "admin" });
    expect(sessionCookie(first.headers).pair).toMatch(/^deskfleet_session=dfs_/);

    const again = await api("POST", "/api/session", { token: null, body: { code: minted.json.code } });
    expect(again.status).toBe(401);
    expect(again.json.error.code).toBe("invalid_sign_in_code");
  });

  it("lets only an admin mint sign-in links", async () => {
    const operator = await apiToken("operator");
    expect((await api("POST", "/api/session/link", { token: operator })).status).toBe(403);
    expect((await api("POST", "/api/session/link", { token: null })).status).toBe(401);
  });
});
