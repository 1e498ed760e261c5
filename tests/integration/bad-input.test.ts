import { describe, expect, it } from "vitest";
import { api, createDesktop, createTask, env } from "./support/api.ts";

async function counts() {
  const q = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { tasks: await q("tasks"), desktops: await q("desktops"), tokens: await q("api_tokens"), events: await q("task_events") };
}

function expectError(res: { status: number; json: any }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.json?.error?.message).toBeTypeOf("string");
  expect(res.json.error.message.length).toBeGreaterThan(5);
  if (code) expect(res.json.error.code).toBe(code);
}

describe("bad input gets a clear 4xx and changes nothing", () => {
  it("rejects malformed JSON with 400", async () => {
    const before = await counts();
    expectError(await api("POST", "/api/tasks", { raw: '{"prompt": "unterminated' }), 400, "invalid_json");
    expectError(await api("POST", "/api/desktops", { raw: "not json at all" }), 400, "invalid_json");
    expect(await counts()).toEqual(before);
  });

  it("rejects wrong types and unknown fields with 422 naming the field", async () => {
    const before = await counts();
    const cases: unknown[] = [
      { prompt: 42 },
      { prompt: "" },
      { prompt: "ok", maxSteps: "ten" },
      { prompt: "ok", maxSteps: -1 },
      { prompt: "ok", startUrl: "javascript:alert(1)" },
      { prompt: "ok", desktopId: "Not A Slug" },
      { prompt: "ok", desktopId: "a", labels: ["x"] },
      { prompt: "ok", surprise: true },
      [],
      null,
    ];
    for (const body of cases) {
      const res = await api("POST", "/api/tasks", { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.error.code).toBe("invalid_input");
    }
    const first = await api("POST", "/api/tasks", { body: { prompt: 42 } });
    expect(first.json.error.message).toMatch(/prompt/);
    expect(await counts()).toEqual(before);
  });

  it("rejects a task for a desktop that does not exist with 422 and says how to find one", async () => {
    const before = await counts();
    const res = await api("POST", "/api/tasks", { body: { prompt: "hi", desktopId: "ghost" } });
    expectError(res, 422, "unknown_desktop");
    expect(res.json.error.message).toMatch(/GET \/api\/desktops/);
    expect(await counts()).toEqual(before);
  });

  it("rejects oversized bodies with 413", async () => {
    const before = await counts();
    const res = await api("POST", "/api/tasks", { raw: JSON.stringify({ prompt: "x".repeat(300 * 1024) }) });
    expectError(res, 413, "payload_too_large");
    expect(await counts()).toEqual(before);
  });

  it("answers unknown ids with 404", async () => {
    const before = await counts();
    expectError(await api("GET", "/api/tasks/tsk_0000000000zzzzzzzzzz"), 404, "not_found");
    expectError(await api("POST", "/api/tasks/tsk_0000000000zzzzzzzzzz/cancel"), 404, "not_found");
    expectError(await api("POST", "/api/tasks/tsk_0000000000zzzzzzzzzz/messages", { body: { text: "hi" } }), 404, "not_found");
    expectError(await api("GET", "/api/tasks/tsk_0000000000zzzzzzzzzz/events"), 404, "not_found");
    expectError(await api("GET", "/api/desktops/nobody"), 404, "not_found");
    expectError(await api("PATCH", "/api/desktops/nobody", { body: { name: "x" } }), 404, "not_found");
    expectError(await api("DELETE", "/api/desktops/nobody"), 404, "not_found");
    expectError(await api("DELETE", "/api/tokens/tok_nope"), 404, "not_found");
    expectError(await api("GET", "/api/nothing-here"), 404, "route_not_found");
    expect(await counts()).toEqual(before);
  });

  it("rejects malformed ids and query parameters with 422", async () => {
    expectError(await api("GET", "/api/tasks/not-a-task-id"), 422, "invalid_input");
    expectError(await api("GET", "/api/tasks?limit=0"), 422, "invalid_input");
    expectError(await api("GET", "/api/tasks?status=exploded"), 422, "invalid_input");
    expectError(await api("GET", "/api/tasks?cursor=%%%"), 422);
    expectError(await api("GET", "/api/tasks?cursor=bm9wZQ"), 422, "invalid_cursor");
  });

  it("answers a duplicate desktop id with 409 and keeps the original", async () => {
    await createDesktop("dup-1", { name: "original" });
    const before = await counts();
    expectError(await api("POST", "/api/desktops", { body: { id: "dup-1", name: "impostor" } }), 409, "desktop_exists");
    expect((await api("GET", "/api/desktops/dup-1")).json.name).toBe("original");
    expect(await counts()).toEqual(before);
  });

  it("never returns VNC credentials, and keeps them encrypted at rest", async () => {
    const created = await createDesktop("vnc-only-1", { vncUrl: "vnc://user:s3cret-pass@10.0.0.5:5901" });
    expect(created.vncUrl).toBe("vnc://10.0.0.5:5901");
    expect(created.hasVncPassword).toBe(true);
    expect(created.mode).toBe("view_only");
    expect(created.presence).toBe("view_only");
    expect(JSON.stringify(created)).not.toMatch(/s3cret/);
    const row = await env.DB.prepare("SELECT vnc_url, vnc_credentials FROM desktops WHERE id = ?").bind("vnc-only-1").first<{ vnc_url: string; vnc_credentials: string }>();
    expect(row!.vnc_url).not.toMatch(/s3cret/);
    expect(row!.vnc_credentials).not.toMatch(/s3cret/);
    // Sealed with the VNC-credentials key (secret-box.ts v2: one key per purpose).
    expect(row!.vnc_credentials.startsWith("v2.")).toBe(true);
  });

  it("rejects a VNC URL whose ?security= names an unknown method with 422 saying which are known, and stores nothing", async () => {
    const before = await counts();
    const res = await api("POST", "/api/desktops", { body: { id: "sec-bad-1", vncUrl: "vnc://mac.example.com:5900?security=ARD,RA2" } });
    expectError(res, 422, "invalid_input");
    expect(res.json.error.message).toContain('unknown VNC security method "RA2"; use any of X509Plain, X509Vnc, X509None, TLSPlain, TLSVnc, TLSNone, ARD, VncAuth, None');
    expect(await counts()).toEqual(before);
    await createDesktop("sec-ok-1", { vncUrl: "vnc://ada:pw@mac.example.com:5900?security=ARD" });
    expectError(await api("PATCH", "/api/desktops/sec-ok-1", { body: { vncUrl: "vnc://mac.example.com:5900?security=" } }), 422, "invalid_input");
    expect((await api("GET", "/api/desktops/sec-ok-1")).json.vncUrl).toBe("vnc://mac.example.com:5900?security=ARD");
  });

  it("rejects a second cancel with 409", async () => {
    const t = await createTask({ prompt: "cancel twice", labels: ["unmatched"] });
    expect((await api("POST", `/api/tasks/${t.id}/cancel`)).status).toBe(200);
    expectError(await api("POST", `/api/tasks/${t.id}/cancel`), 409, "task_finished");
  });
});
