import { describe, expect, it } from "vitest";
import { parseConfiguredDesktops } from "./configured-desktops.ts";

describe("DESKFLEET_DESKTOPS", () => {
  it("is empty when unset", () => {
    expect(parseConfiguredDesktops(undefined)).toEqual({ ok: true, desktops: [] });
  });

  it("accepts a list of VNC-only desktops", () => {
    const r = parseConfiguredDesktops(JSON.stringify([{ id: "mac-studio", vncUrl: "vnc://:pw@10.0.0.5:5900", labels: ["mac"] }, { id: "kiosk", vncUrl: "wss://vnc.example.com/websockify" }]));
    expect(r.ok && r.desktops.map((d) => d.id)).toEqual(["mac-studio", "kiosk"]);
  });

  it("says where a mistake is, in one line", () => {
    expect(parseConfiguredDesktops("{nope")).toMatchObject({ ok: false, message: expect.stringMatching(/not valid JSON/) });
    expect(parseConfiguredDesktops(JSON.stringify([{ id: "Bad Id" }]))).toMatchObject({ ok: false, message: expect.stringMatching(/at 0\.id/) });
    expect(parseConfiguredDesktops(JSON.stringify([{ id: "a", vncUrl: "http://x" }]))).toMatchObject({ ok: false, message: expect.stringMatching(/vncUrl/) });
    expect(parseConfiguredDesktops(JSON.stringify([{ id: "a" }, { id: "a" }]))).toMatchObject({ ok: false, message: expect.stringMatching(/twice/) });
  });
});
