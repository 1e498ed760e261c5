import { afterEach, describe, expect, it } from "vitest";
import { doctor } from "../cli/doctor.ts";
import { missingXTools, startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { makeThrowawayCa, opensslMissing } from "@deskfleet/rfb/testing/throwaway-ca";
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

const missingTls = [...missingXTools({ servers: ["Xvnc"] }), ...(opensslMissing() ? ["openssl"] : [])];

describe.skipIf(missingTls.length > 0)(`doctor against TigerVNC's Xvnc with VeNCrypt${missingTls.length ? ` (skipped: ${missingTls.join(", ")} missing)` : ""}`, () => {
  it("names the security types offered and the one chosen, and says how to trust a certificate it refuses", async () => {
    const ca = makeThrowawayCa();
    const d = await startXDesktop({ width: 320, height: 240, password: PASSWORD, server: "Xvnc", xvncSecurity: { types: ["X509Vnc", "TLSVnc", "VncAuth"], x509: { certFile: ca.certFile, keyFile: ca.keyFile } } });
    try {
      const vnc = (extra: object) => ({ vnc: { host: "127.0.0.1", port: d.port, ...extra }, vncPassword: PASSWORD });
      const offered = "the server offers VeNCrypt (X509Vnc, TLSVnc, VncAuth), VNC Authentication";

      const untrusted = (await doctor(vnc({}), [], {})).find((c) => c.name === "VNC server")!;
      expect(untrusted.ok).toBe(false);
      expect(untrusted.detail).toContain(`is not trusted: it is signed by a CA this host does not trust (SHA-256 fingerprint ${ca.fingerprint})`);
      expect(untrusted.detail).toContain(`(security: ${offered}; chose VeNCrypt X509Vnc)`);
      expect(untrusted.fix).toMatch(/--vnc-tls-fingerprint .* or give its CA with --vnc-tls-ca/);

      const trusted = (await doctor(vnc({ tls: { ca: ca.caPem } }), [], {})).find((c) => c.name === "VNC server")!;
      expect(trusted.ok).toBe(true);
      expect(trusted.detail).toContain("answers (RFB 3.8), screen 320×240");
      expect(trusted.detail.endsWith(`; security: ${offered}; chose VeNCrypt X509Vnc`)).toBe(true);

      const pinned = (await doctor(vnc({ tls: { fingerprint: ca.fingerprint } }), [], {})).find((c) => c.name === "VNC server")!;
      expect(pinned.detail).toContain("chose VeNCrypt X509Vnc");

      const vncAuthOnly = (await doctor(vnc({ security: ["VncAuth"] }), [], {})).find((c) => c.name === "VNC server")!;
      expect(vncAuthOnly.detail).toContain(`security: the server offers VeNCrypt, VNC Authentication; chose VNC Authentication`);
    } finally {
      await d.stop();
      ca.remove();
    }
  }, 60_000);

  it("lists both sides when the server offers only what Deskfleet does not speak (VeNCrypt Plain without TLS)", async () => {
    const d = await startXDesktop({ width: 64, height: 48, password: PASSWORD, server: "Xvnc", xvncSecurity: { types: ["Plain"] } });
    try {
      const check = (await doctor({ vnc: { host: "127.0.0.1", port: d.port, username: "ada" }, vncPassword: PASSWORD }, [], {})).find((c) => c.name === "VNC server")!;
      expect(check.ok).toBe(false);
      expect(check.detail).toContain(
        "The VNC server offers only VeNCrypt (Plain); Deskfleet supports VeNCrypt (X509Plain, X509Vnc, X509None, TLSPlain, TLSVnc, TLSNone), Apple Remote Desktop, VNC Authentication, None.",
      );
      expect(check.fix).toMatch(/let the VNC server offer one of the methods above/);
    } finally {
      await d.stop();
    }
  }, 30_000);
});
