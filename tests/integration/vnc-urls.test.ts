import { describe, expect, it } from "vitest";
import { api, createDesktop, env } from "./support/api.ts";
import { desktopObject } from "../../domain/addresses.ts";
import { vncTarget } from "../../durable-objects/desktop/relay/vnc-target.ts";

describe("VNC URLs of desktops the control plane dials", () => {
  it("treat a ws(s):// URL's query string as a credential: sealed at rest, dialed, never shown", async () => {
    const created = await createDesktop("vnc-token-1", { vncUrl: "wss://vnc.example.com/websockify?token=tk-5ecr3t-0000&path=x" });
    expect(created.vncUrl).toBe("wss://vnc.example.com/websockify");
    const shown = [JSON.stringify(created), (await api("GET", "/api/desktops")).text, (await api("GET", "/api/desktops/vnc-token-1")).text];
    for (const text of shown) expect(text).not.toContain("tk-5ecr3t");
    const row = await env.DB.prepare("SELECT vnc_url, vnc_credentials FROM desktops WHERE id = 'vnc-token-1'").first<{ vnc_url: string; vnc_credentials: string }>();
    expect(row!.vnc_url).toBe("wss://vnc.example.com/websockify");
    expect(row!.vnc_credentials).not.toContain("tk-5ecr3t");
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE target_id = 'vnc-token-1'").all<{ details: string }>();
    for (const r of audit.results) expect(r.details).not.toContain("tk-5ecr3t");
    // The object dials the whole URL again, inside itself.
    expect((await vncTarget(env, row!.vnc_url, row!.vnc_credentials)).address).toBe("wss://vnc.example.com/websockify?token=tk-5ecr3t-0000&path=x");
  });

  it("keep ?security= (ours, not a secret) in the shown address while the server's own query is sealed", async () => {
    const created = await createDesktop("vnc-token-2", { vncUrl: "wss://vnc.example.com/websockify?security=X509Vnc&token=tk-5ecr3t-0002" });
    expect(created.vncUrl).toBe("wss://vnc.example.com/websockify?security=X509Vnc");
    const row = await env.DB.prepare("SELECT vnc_url, vnc_credentials FROM desktops WHERE id = 'vnc-token-2'").first<{ vnc_url: string; vnc_credentials: string }>();
    const target = await vncTarget(env, row!.vnc_url, row!.vnc_credentials);
    expect(target.security).toEqual(["X509Vnc"]);
    expect(target.address).toBe("wss://vnc.example.com/websockify?security=X509Vnc&token=tk-5ecr3t-0002");
  });

  it("answer a malformed percent-escape in the credentials with 422, and create nothing", async () => {
    for (const vncUrl of ["vnc://:100%@10.0.0.5:5900", "vnc://us%zzer:pw@10.0.0.5:5900"]) {
      const res = await api("POST", "/api/desktops", { body: { id: "vnc-escape-1", vncUrl } });
      expect(res.status, vncUrl).toBe(422);
      expect(res.json.error.code).toBe("invalid_vnc_url");
      expect(res.json.error.message).toMatch(/write a literal % as %25/);
    }
    expect((await api("GET", "/api/desktops/vnc-escape-1")).status).toBe(404);
    await createDesktop("vnc-escape-2");
    expect((await api("PATCH", "/api/desktops/vnc-escape-2", { body: { vncUrl: "vnc://:50%off@10.0.0.5:5900" } })).status).toBe(422);
    expect((await api("GET", "/api/desktops/vnc-escape-2")).json.vncUrl).toBeNull();
  });

  it("flag vnc:// and ws:// addresses across the network as unencrypted, not wss:// nor this machine", async () => {
    const flag = async (id: string, vncUrl?: string) => (await createDesktop(id, vncUrl ? { vncUrl } : {})).vncUnencrypted;
    expect(await flag("vnc-clear-1", "vnc://:pw@203.0.113.5:5900")).toBe(true);
    expect(await flag("vnc-clear-2", "ws://vnc.example.com/websockify")).toBe(true);
    expect(await flag("vnc-clear-3", "wss://vnc.example.com/websockify")).toBe(false);
    expect(await flag("vnc-clear-4", "vnc://127.0.0.1:5900")).toBe(false);
    // VeNCrypt's X509 methods only: the control plane speaks TLS to it.
    expect(await flag("vnc-clear-6", "vnc://:pw@203.0.113.5:5900?security=X509Vnc,X509Plain")).toBe(false);
    expect(await flag("vnc-clear-7", "vnc://:pw@203.0.113.5:5900?security=X509Vnc,VncAuth")).toBe(true);
    expect(await flag("vnc-clear-5")).toBe(false);
    const listed = (await api("GET", "/api/desktops")).json.items.find((d: { id: string }) => d.id === "vnc-clear-1");
    expect(listed.vncUnencrypted).toBe(true);
  });

  it("say why a connection failed without the VNC server's address (what the supervisor's model reads)", async () => {
    await createDesktop("vnc-fail-1", { vncUrl: "vnc://:pw@127.0.0.1:1" });
    const result = await desktopObject(env, "vnc-fail-1").screenshot("vnc-fail-1");
    expect(result.ok).toBe(false);
    const message = result.ok ? "" : result.error.message;
    expect(message).toMatch(/could not connect to the desktop's VNC server|VNC/);
    expect(message).not.toContain("127.0.0.1");
    expect(message).not.toMatch(/:1\b/);
    expect((await api("GET", "/api/desktops/vnc-fail-1/screenshot")).text).not.toContain("127.0.0.1");
  });
});
