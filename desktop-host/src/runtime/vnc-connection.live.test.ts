import { afterEach, describe, expect, it } from "vitest";
import { doctor } from "../cli/doctor.ts";
import { missingXTools, startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { createLogger } from "./logger.ts";
import { VncConnection } from "./vnc-connection.ts";

// Drives a real Xvfb + x11vnc. Needs: apt-get install -y xvfb x11vnc xdotool x11-xserver-utils
const missing = missingXTools();
if (missing.length > 0) console.warn(`Skipping the live host VNC test: ${missing.join(", ")} not installed (apt-get install -y xvfb x11vnc xdotool x11-xserver-utils).`);

const PASSWORD = "hostpass";

describe.skipIf(missing.length > 0)(`the host's VNC session against a live x11vnc${missing.length ? ` (skipped: ${missing.join(", ")} missing)` : ""}`, () => {
  const desktops: XDesktop[] = [];
  let vnc: VncConnection | undefined;
  afterEach(async () => {
    await vnc?.close();
    for (const d of desktops.splice(0)) await d.stop();
  }, 15_000);

  it("reconnects after the VNC server restarts, and input sent meanwhile waits for it", async () => {
    const first = await startXDesktop({ width: 320, height: 240, password: PASSWORD });
    desktops.push(first);
    const lines: string[] = [];
    vnc = new VncConnection({ host: "127.0.0.1", port: first.port, password: PASSWORD }, createLogger({ write: (l) => lines.push(l) }), { backoff: { baseMs: 100, capMs: 400 } });
    expect(await vnc.start()).toMatchObject({ reachable: true, screen: { width: 320, height: 240 } });

    await first.stop();
    desktops.length = 0;
    const deadline = Date.now() + 5_000;
    while (vnc.status().reachable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(vnc.status().reachable).toBe(false);
    expect(() => vnc!.framebuffer).toThrow(/is not connected/);

    // A click issued while the server is down goes through once it is back.
    const click = vnc.pointer(10, 10, 1);
    const second = await startXDesktop({ width: 400, height: 300, password: PASSWORD, port: first.port });
    desktops.push(second);
    await click;
    expect(vnc.status()).toMatchObject({ reachable: true, screen: { width: 400, height: 300 } });
    expect(lines.join("\n")).toContain("VNC connection lost; reconnecting");
    expect(lines.join("\n")).not.toContain(PASSWORD);
  }, 30_000);

  it("doctor reports the screen size with the right password and says to fix a wrong one", async () => {
    const d = await startXDesktop({ width: 320, height: 240, password: PASSWORD });
    desktops.push(d);
    const good = await doctor({ vnc: { host: "127.0.0.1", port: d.port }, vncPassword: PASSWORD }, [], {});
    expect(good.find((c) => c.name === "VNC server")).toMatchObject({ ok: true, detail: expect.stringContaining("screen 320×240") });
    const bad = await doctor({ vnc: { host: "127.0.0.1", port: d.port }, vncPassword: "wrongpass" }, [], {});
    expect(bad.find((c) => c.name === "VNC server")).toMatchObject({ ok: false, fix: expect.stringContaining("the VNC password is wrong") });
    const none = await doctor({ vnc: { host: "127.0.0.1", port: d.port } }, [], {});
    expect(none.find((c) => c.name === "VNC server")).toMatchObject({ ok: false, fix: expect.stringContaining("DESKFLEET_VNC_PASSWORD") });
  }, 30_000);
});
