import { describe, expect, it } from "vitest";
import { api, env } from "./support/api.ts";
import { parseConfiguredDesktops, upsertConfiguredDesktops } from "../../domain/tasks/configured-desktops.ts";

describe("desktops from DESKFLEET_DESKTOPS", () => {
  it("adds them as view-only with encrypted credentials, and updates them without touching their mode", async () => {
    const parsed = parseConfiguredDesktops(JSON.stringify([{ id: "cfg-mac", name: "Mac", os: "macos", vncUrl: "vnc://:s3cret@10.0.0.5:5900", labels: ["mac"] }]));
    if (!parsed.ok) throw new Error(parsed.message);
    await upsertConfiguredDesktops(env, parsed.desktops);
    const d = (await api("GET", "/api/desktops/cfg-mac")).json;
    expect(d).toMatchObject({ name: "Mac", os: "macos", vncUrl: "vnc://10.0.0.5:5900", hasVncPassword: true, mode: "view_only", presence: "view_only", labels: ["mac"] });
    const row = await env.DB.prepare("SELECT vnc_credentials FROM desktops WHERE id = 'cfg-mac'").first<{ vnc_credentials: string }>();
    expect(row!.vnc_credentials).not.toContain("s3cret");

    await env.DB.prepare("UPDATE desktops SET mode = 'worker', presence = 'online' WHERE id = 'cfg-mac'").run();
    const again = parseConfiguredDesktops(JSON.stringify([{ id: "cfg-mac", name: "Mac Studio", vncUrl: "vnc://10.0.0.6:5900" }]));
    if (!again.ok) throw new Error(again.message);
    await upsertConfiguredDesktops(env, again.desktops);
    const after = (await api("GET", "/api/desktops/cfg-mac")).json;
    expect(after).toMatchObject({ name: "Mac Studio", vncUrl: "vnc://10.0.0.6:5900", hasVncPassword: false, mode: "worker" });
  });
});
