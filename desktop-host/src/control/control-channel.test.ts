import { describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { classifyClose, classifyUpgradeStatus } from "./close-codes.ts";
import { controlUrl } from "./control-channel.ts";

describe("the control channel's edges", () => {
  it("dials the control socket over ws for http servers and wss for https ones", () => {
    expect(controlUrl("http://127.0.0.1:8787")).toBe("ws://127.0.0.1:8787/api/hosts/connect");
    expect(controlUrl("https://cp.example.com/")).toBe("wss://cp.example.com/api/hosts/connect");
    expect(controlUrl("wss://cp.example.com/deskfleet?x=1")).toBe("wss://cp.example.com/deskfleet/api/hosts/connect");
  });

  it("stops for good only on refusals a person must fix, and reconnects after replaced, heartbeat timeout and drops", () => {
    for (const code of [CloseCode.badToken, CloseCode.badVersion, CloseCode.wrongDesktop, CloseCode.desktopDeleted]) {
      expect(classifyClose(code).fatal).toBe(true);
    }
    for (const code of [CloseCode.replaced, CloseCode.heartbeatTimeout, 1000, 1001, 1006, 1011, CloseCode.policy]) {
      expect(classifyClose(code).fatal).toBe(false);
    }
    const badToken = classifyClose(CloseCode.badToken);
    expect(badToken.fatal && badToken.advice).toContain("DESKFLEET_HOST_TOKEN");
    expect(classifyUpgradeStatus(401, "https://x").fatal).toBe(true);
    expect(classifyUpgradeStatus(502, "https://x").fatal).toBe(false);
    expect(classifyUpgradeStatus(503, "https://x").fatal).toBe(false);
  });
});
