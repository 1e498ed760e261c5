import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalControlPlane, type LocalControlPlane } from "../../scripts/lib/local-control-plane.ts";

// The real Worker under `wrangler dev`, with its real configuration: the rate limits of wrangler.toml
// (emulated locally), and a deploy that changes DESKFLEET_ADMIN_TOKEN.

const OLD_ADMIN = "old-admin-token-0123456789abcdefghij";
const NEW_ADMIN = "new-admin-token-9876543210zyxwvutsrq";
const SECRET_KEY = "c3lzdGVtLXRydXN0LXNlY3JldC1rZXktMDEyMzQ1Njc=";

let dir: string;
let envFile: string;
let cp: LocalControlPlane;

const writeEnv = (admin: string) => writeFileSync(envFile, `DESKFLEET_ADMIN_TOKEN=${admin}\nDESKFLEET_SECRET_KEY=${SECRET_KEY}\n`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-trust-"));
  envFile = join(dir, "trust.dev.vars");
  writeEnv(OLD_ADMIN);
  cp = await startLocalControlPlane({ persistTo: dir, envFile });
});
afterAll(async () => {
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, opts: { token?: string; cookie?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  // The dashboard's own pages: the cookie and the Origin browsers send with every change.
  if (opts.cookie) Object.assign(headers, { cookie: opts.cookie, origin: cp.url });
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(cp.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as any) : null };
}

/** The local emulation counts in windows aligned to the minute: start a count well inside one. */
async function freshWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 25_000) await new Promise((r) => setTimeout(r, left + 100));
}

describe("trust under wrangler dev", () => {
  it("limits new credentials to 10 a minute per identity: the 11th gets 429 with Retry-After and the JSON error", { timeout: 90_000 }, async () => {
    await freshWindow();
    const viewer = (await call("POST", "/api/tokens", { token: OLD_ADMIN, body: { name: "limits", role: "admin" } })).json.token as string;
    for (let i = 0; i < 10; i++) expect((await call("POST", "/api/tokens", { token: viewer, body: { name: `t${i}`, role: "viewer" } })).status).toBe(201);
    const limited = await call("POST", "/api/tokens", { token: viewer, body: { name: "one too many", role: "viewer" } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.json).toEqual({ error: { code: "rate_limited", message: "too many new credentials (API tokens, sign-in links) for you; wait 60 s and retry" } });
    expect((await call("GET", "/api/tokens", { token: OLD_ADMIN })).json.items.some((t: { name: string }) => t.name === "one too many")).toBe(false);
    // Host tokens count apart (LIMIT_HOST_TOKENS): adding a fleet of desktops is not held back by the API tokens minted above.
    for (let i = 0; i < 12; i++) {
      expect((await call("POST", "/api/desktops", { token: viewer, body: { id: `limits-${i}` } })).status).toBe(201);
      expect((await call("POST", `/api/desktops/limits-${i}/host-token`, { token: viewer })).status).toBe(201);
    }
  });

  it("ends the sessions of a rotated DESKFLEET_ADMIN_TOKEN: after the deploy they are refused and mint nothing", { timeout: 120_000 }, async () => {
    const signIn = await fetch(`${cp.url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: OLD_ADMIN }) });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect((await call("GET", "/api/session", { cookie })).status).toBe(200);
    const feed = new WebSocket(`${cp.url.replace("http", "ws")}/api/live`, { headers: { cookie, origin: cp.url } });
    const feedClosed = new Promise<number>((resolve) => feed.on("close", (code) => resolve(code)));
    await new Promise((ok, fail) => (feed.once("open", ok), feed.once("error", fail)));

    // What `wrangler secret put DESKFLEET_ADMIN_TOKEN` and the deploy after it do.
    writeEnv(NEW_ADMIN);
    await cp.restart();
    await feedClosed;

    const me = await call("GET", "/api/session", { cookie });
    expect(me.status).toBe(401);
    expect(me.json.error.code).toBe("session_ended");
    expect((await call("POST", "/api/tokens", { cookie, body: { name: "minted by an old session", role: "admin" } })).status).toBe(401);
    expect((await call("POST", "/api/session/link", { cookie })).status).toBe(401);
    expect((await call("GET", "/api/desktops", { token: OLD_ADMIN })).status).toBe(401);
    expect((await call("GET", "/api/desktops", { token: NEW_ADMIN })).status).toBe(200);
    expect((await call("GET", "/api/sessions", { token: NEW_ADMIN })).json.items.filter((s: { via: string }) => s.via === "admin_token")).toEqual([]);
  });
});
