import { describe, expect, it } from "vitest";
import { splitVncUrl } from "./vnc-url.ts";

describe("splitVncUrl", () => {
  it("splits credentials off a vnc:// URL", () => {
    expect(splitVncUrl("vnc://alice:p%40ss@10.0.0.5:5901")).toEqual({ address: "vnc://10.0.0.5:5901", credentials: { username: "alice", password: "p@ss" } });
  });

  it("treats a lone secret as the password, as VNC has no user names", () => {
    expect(splitVncUrl("vnc://:secret@host:5900").credentials).toEqual({ password: "secret" });
  });

  it("leaves a ws:// URL without credentials as it is", () => {
    expect(splitVncUrl("wss://vnc.example.com/websockify")).toEqual({ address: "wss://vnc.example.com/websockify", credentials: {} });
  });
});
