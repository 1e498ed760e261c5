import { describe, expect, it } from "vitest";
import { isWebSocketUpgrade, requireUpgrade, upgradeRequired } from "./upgrade.ts";

const request = (headers: Record<string, string> = {}) => new Request("https://deskfleet.test/api/live", { headers });

describe("WebSocket upgrades", () => {
  it("recognises an upgrade to websocket in any letter case", () => {
    expect(isWebSocketUpgrade(request({ upgrade: "websocket" }))).toBe(true);
    expect(isWebSocketUpgrade(request({ Upgrade: "WebSocket" }))).toBe(true);
  });

  it("does not take a plain request or an upgrade to another protocol for a WebSocket", () => {
    expect(isWebSocketUpgrade(request())).toBe(false);
    expect(isWebSocketUpgrade(request({ upgrade: "h2c" }))).toBe(false);
  });

  it("answers a plain request with 426 and the JSON error envelope", async () => {
    const res = upgradeRequired();
    expect(res.status).toBe(426);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: "upgrade_required", message: "this endpoint is a WebSocket; connect with `Upgrade: websocket`" } });
  });

  it("lets an upgrade through and stops anything else with the 426", async () => {
    expect(requireUpgrade(request({ upgrade: "websocket" }))).toBeNull();
    const refused = requireUpgrade(request());
    expect(refused?.status).toBe(426);
    expect(await refused?.json()).toMatchObject({ error: { code: "upgrade_required" } });
  });
});
