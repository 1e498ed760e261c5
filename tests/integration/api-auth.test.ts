import { describe, expect, it } from "vitest";
import { api, apiToken } from "./support/api.ts";

type Operation = { "x-deskfleet-access"?: string; parameters?: { name: string; in: string }[] };
type OpenApiDoc = { paths: Record<string, Record<string, Operation>> };

const ROLES = ["viewer", "operator", "admin"] as const;

/** Fills path parameters with syntactically valid ids, so only auth can decide the outcome. */
function concretePath(path: string): string {
  return path.replace("{id}", path.startsWith("/api/tasks") ? "tsk_0000000000aaaaaaaaaa" : path.startsWith("/api/desktops") ? "no-such-desktop" : "no-such-id");
}

async function operations(): Promise<{ method: string; path: string; access: string }[]> {
  const doc = (await api("GET", "/api/openapi.json")).json as OpenApiDoc;
  const out: { method: string; path: string; access: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.push({ method: method.toUpperCase(), path, access: op["x-deskfleet-access"] ?? "(none)" });
  }
  return out;
}

describe("authentication and roles, for every route in the OpenAPI document", () => {
  it("serves the OpenAPI document with every route declaring who may call it", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) expect(["public", "host", "sign_in", ...ROLES], `${op.method} ${op.path}`).toContain(op.access);
    // The host's installers and bundle too: a machine fetches them before it holds any credential, and they hold none.
    expect(ops.filter((o) => o.access === "public").map((o) => o.path).sort()).toEqual(["/api/health", "/host/latest.json", "/host/{version}/{file}", "/install.ps1", "/install.sh"]);
    // The dashboard's sign-in, and the Telegram Mini App's (Telegram's signed initData in the body).
    expect(ops.filter((o) => o.access === "sign_in").map((o) => `${o.method} ${o.path}`)).toEqual(["POST /api/session", "POST /api/telegram/webapp/session"]);
  });

  it("refuses every non-public route without credentials (401)", async () => {
    for (const op of await operations()) {
      if (op.access === "public" || op.access === "sign_in") continue;
      const res = await api(op.method, concretePath(op.path), { token: null, body: op.method === "GET" ? undefined : {} });
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expect(res.json?.error?.code, `${op.method} ${op.path}`).toBeTypeOf("string");
    }
  });

  // Every route in turn, several requests each: more than the default 5 s on a busy machine.
  it("refuses every non-public route with a bad token (401)", { timeout: 30_000 }, async () => {
    for (const op of await operations()) {
      if (op.access === "public" || op.access === "sign_in") continue;
      for (const bad of ["dft_not-a-real-token", "garbage", "dfh_fake"]) {
        const res = await api(op.method, concretePath(op.path), { token: bad, body: op.method === "GET" ? undefined : {} });
        expect(res.status, `${op.method} ${op.path} with ${bad}`).toBe(401);
      }
    }
  });

  // Three calls for every route: well over the default 5 s on a loaded machine.
  it("refuses a role below the route's (403) and lets the route's role through auth", { timeout: 30_000 }, async () => {
    const tokens = { viewer: await apiToken("viewer"), operator: await apiToken("operator"), admin: await apiToken("admin") };
    for (const op of await operations()) {
      if (!ROLES.includes(op.access as (typeof ROLES)[number])) continue;
      const need = ROLES.indexOf(op.access as (typeof ROLES)[number]);
      for (const [i, role] of ROLES.entries()) {
        const res = await api(op.method, concretePath(op.path), { token: tokens[role], body: op.method === "GET" ? undefined : {} });
        const where = `${op.method} ${op.path} as ${role}`;
        if (i < need) expect(res.status, where).toBe(403);
        else expect([401, 403], where).not.toContain(res.status);
      }
    }
  });

  it("accepts a host token only on the host endpoint", async () => {
    await api("POST", "/api/desktops", { body: { id: "auth-host-1" } });
    const token = (await api("POST", "/api/desktops/auth-host-1/host-token")).json.token as string;
    expect((await api("GET", "/api/tasks", { token })).status).toBe(401);
    const res = await api("GET", "/api/hosts/connect", { token });
    expect(res.status).toBe(426);
  });

  it("stops accepting a revoked token", async () => {
    const created = (await api("POST", "/api/tokens", { body: { name: "short-lived", role: "viewer" } })).json;
    expect((await api("GET", "/api/tasks", { token: created.token })).status).toBe(200);
    expect((await api("DELETE", `/api/tokens/${created.id}`)).status).toBe(200);
    expect((await api("GET", "/api/tasks", { token: created.token })).status).toBe(401);
    const list = (await api("GET", "/api/tokens")).json.items as { id: string; token?: string }[];
    expect(list.some((t) => t.id === created.id)).toBe(false);
    expect(list.every((t) => t.token === undefined)).toBe(true);
  });

  it("refuses a sign-in with a wrong token or code (401), with no session cookie", async () => {
    for (const op of await operations()) {
      // The Mini App's sign-in takes initData, not tokens: tests/system/telegram-chat.test.ts covers it.
      if (op.access !== "sign_in" || op.path !== "/api/session") continue;
      for (const body of [{ token: "dft_not-a-real-token" }, { token: "garbage" }, { token: "dfh_fake" }, { code: "dfc_made-up" }]) {
        const res = await api(op.method, concretePath(op.path), { token: null, body });
        expect(res.status, `${op.method} ${op.path} with ${JSON.stringify(body)}`).toBe(401);
        expect(res.headers.get("set-cookie"), `${op.method} ${op.path}`).toBeNull();
      }
    }
  });

  it("answers /api/health without credentials", async () => {
    const res = await api("GET", "/api/health", { token: null });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
  });
});
