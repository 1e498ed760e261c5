import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pointerRegion, settleAfter } from "./settle.ts";
import { comboToKeyStrokes } from "@deskfleet/rfb/keysyms";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import type { RfbError } from "@deskfleet/rfb/rfb-error";
import { missingXTools, startXDesktop, VNC_SERVERS, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";

// Drives a real X desktop through each VNC server we support: Xvfb + x11vnc, and TigerVNC's Xvnc.
// Needs: apt-get install -y xvfb x11vnc tigervnc-standalone-server tigervnc-tools xdotool x11-xserver-utils
const missing = missingXTools({ servers: VNC_SERVERS });
if (missing.length > 0) console.warn(`Skipping the live RFB test: ${missing.join(", ")} not installed (apt-get install -y xvfb x11vnc tigervnc-standalone-server tigervnc-tools xdotool x11-xserver-utils).`);

const PASSWORD = "livepass";

describe.skipIf(missing.length > 0).each(VNC_SERVERS)(`RfbClient against a live %s${missing.length ? ` (skipped: ${missing.join(", ")} missing)` : ""}`, (server) => {
  let desktop: XDesktop | undefined;
  let client: RfbClient | undefined;

  beforeAll(async () => {
    desktop = await startXDesktop({ server, width: 320, height: 240, password: PASSWORD, setup: ({ run }) => void run("xsetroot", ["-solid", "#3366cc"]) });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await desktop?.stop();
  }, 10_000);

  const poll = async (check: () => boolean, timeoutMs = 3_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return check();
  };

  it("connects with the password and sees the screen's size and colour", async () => {
    client = await RfbClient.connect(await connectTcp("127.0.0.1", desktop!.port), { password: PASSWORD });
    expect([client.width, client.height]).toEqual([320, 240]);
    // The first update may be the ExtendedDesktopSize announcement; the pixels follow.
    // x11vnc paints the cursor into the framebuffer, so sample far from it.
    const colour = () => client!.framebuffer.getPixel(300, 220).join(",");
    expect(await poll(() => colour() === "51,102,204")).toBe(true);
  }, 15_000);

  it("moves the X pointer with a pointer event", async () => {
    await client!.pointer(123, 45);
    const location = () => desktop!.run("xdotool", ["getmouselocation"]);
    expect(await poll(() => /x:123 y:45 /.test(location()))).toBe(true);
  }, 10_000);

  it("presses keys with key events (Caps Lock toggles the X keyboard LED state)", async () => {
    const capsLock = () => /Caps Lock:\s+on/.test(desktop!.run("xset", ["q"]));
    expect(capsLock()).toBe(false);
    await client!.keys(comboToKeyStrokes("Caps_Lock"));
    expect(await poll(capsLock)).toBe(true);
    await client!.keys(comboToKeyStrokes("Caps_Lock"));
    expect(await poll(() => !capsLock())).toBe(true);
  }, 10_000);

  it("settles after a change that appears 300 ms after the action, and sees it", async () => {
    // The earlier tests leave repaints in flight (x11vnc paints the cursor it
    // was told to move into the framebuffer, and may send it late): start from
    // a quiet screen, and leave the cursor's box out as the host does.
    const quiet = await settleAfter(client!, () => undefined, { changeWindowMs: 400, quietMs: 400, capMs: 5_000 });
    expect(quiet.reason).not.toBe("cap");
    const result = await settleAfter(client!, () => {
      setTimeout(() => desktop!.run("xsetroot", ["-solid", "#ff0000"]), 300);
    }, { ignore: [pointerRegion({ x: 123, y: 45 })] });
    expect(result).toMatchObject({ changed: true, reason: "settled" });
    expect(result.firstChangeMs).toBeGreaterThanOrEqual(300);
    expect(client!.framebuffer.getPixel(300, 220)).toEqual([255, 0, 0]);
  }, 10_000);

  it("reports a wrong password as auth-failed", async () => {
    const error = await RfbClient.connect(await connectTcp("127.0.0.1", desktop!.port), { password: "nope" }).then(() => undefined, (e: unknown) => e as RfbError);
    expect(error?.code).toBe("auth-failed");
  }, 10_000);
});
