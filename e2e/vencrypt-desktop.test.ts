import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "@deskfleet/rfb/image/png";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { makeThrowawayCa, opensslMissing, type ThrowawayCa } from "@deskfleet/rfb/testing/throwaway-ca";
import { missingXTools, startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { text, toolsetCall } from "../test-support/scripted-anthropic/index.ts";
import { openWsRfbSocket } from "../test-support/ws-rfb-socket.ts";
import { e2ePrerequisitesMissing, startWorld, VNC_PASSWORD, waitUntil, type World } from "./support/world.ts";

// A TigerVNC desktop that speaks only VeNCrypt X509Vnc, with a certificate
// from a CA made for this run: the host trusts it with --vnc-tls-ca and runs
// a task on it while a viewer watches through the relay; the control plane
// itself (wrangler dev, told to trust the CA as Cloudflare trusts public CAs)
// reaches the same server when no host serves it.

const missing = e2ePrerequisitesMissing() ?? (() => {
  const tools = [...missingXTools({ servers: ["Xvnc"] }), ...(opensslMissing() ? ["openssl"] : [])];
  if (tools.length === 0) return null;
  const message = `the VeNCrypt e2e test needs ${tools.join(", ")} (apt-get install -y tigervnc-standalone-server tigervnc-tools openssl)`;
  if (process.env["DESKFLEET_E2E"] === "1") throw new Error(message);
  return message;
})();

const NAME_FIELD = [290, 122];
const SUBMIT = [140, 210];
/** The "Not submitted" / "Submitted: …" line of the test app. */
const STATUS = { x: 40, y: 280, width: 520, height: 36 };

let ca: ThrowawayCa;
let world: World;

function region(read: (x: number, y: number) => readonly number[]): string[] {
  const out: string[] = [];
  for (let y = STATUS.y; y < STATUS.y + STATUS.height; y += 2) for (let x = STATUS.x; x < STATUS.x + STATUS.width; x += 2) out.push(read(x, y).slice(0, 3).join(","));
  return out;
}

async function viewer(desktopId: string): Promise<RfbClient> {
  const ticket = await world.cp.api("POST", `/api/desktops/${desktopId}/vnc-ticket`);
  expect(ticket.status).toBe(201);
  // No password and no TLS on the viewer's side: the relay greets it with security None.
  return RfbClient.connect(await openWsRfbSocket(world.cp.url.replace(/^http/, "ws") + ticket.json.url), { handshakeTimeoutMs: 20_000 });
}

beforeAll(async () => {
  if (missing) return;
  ca = makeThrowawayCa();
  world = await startWorld({
    desktopId: "tls-desk",
    desktop: { server: "Xvnc", xvncSecurity: { types: ["X509Vnc"], x509: { certFile: ca.certFile, keyFile: ca.keyFile } } },
    hostArgs: ["--vnc-tls-ca", ca.caFile],
    controlPlaneEnv: { NODE_EXTRA_CA_CERTS: ca.caFile },
    conversations: [
      {
        name: "register",
        match: "Register Ada Lovelace",
        steps: [
          toolsetCall("left_click", { coordinate: NAME_FIELD }),
          toolsetCall("type", { text: "Ada Lovelace" }),
          toolsetCall("left_click", { coordinate: SUBMIT }),
          toolsetCall("screenshot"),
          text("Submitted the registration for Ada Lovelace."),
        ],
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  await world?.dispose();
  ca?.remove();
});

describe.skipIf(missing !== null)("a TigerVNC desktop behind VeNCrypt X509Vnc", () => {
  it("runs a task through the host's TLS session while a viewer watches it live through the relay", async () => {
    const { cp, app } = world;
    expect(world.host.logs()).toMatch(/"msg":"connected to the VNC server".*"security":"X509Vnc"/);

    const watcher = await viewer(world.desktopId);
    let updates = 0;
    watcher.on("update", () => updates++);
    await waitUntil(async () => region((x, y) => watcher.framebuffer.getPixel(x, y)).some((p) => p !== "0,0,0"), 10_000, () => "the viewer's first frame");
    const before = region((x, y) => watcher.framebuffer.getPixel(x, y));
    const updatesBefore = updates;

    const created = await cp.api("POST", "/api/tasks", { prompt: "Register Ada Lovelace in the form and submit it.", desktopId: world.desktopId });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    await waitUntil(async () => ["completed", "failed"].includes((await cp.api("GET", `/api/tasks/${id}`)).json.status), 90_000, () => `the task did not finish; host logs:\n${world.host.logs().slice(-4000)}`);
    const task = (await cp.api("GET", `/api/tasks/${id}`)).json;
    expect(task.error, JSON.stringify(task.error)).toBeNull();
    expect(task.status).toBe("completed");
    expect((await app.waitFor((e) => e.type === "submitted")).value).toBe("Ada Lovelace");

    // The model's last screenshot, from R2: what the agent saw after submitting.
    const events = (await cp.api("GET", `/api/tasks/${id}/events?limit=1000`)).json.items as { kind: string; data: Record<string, unknown> }[];
    const key = String(events.filter((e) => e.kind === "screenshot").at(-1)!.data["key"]);
    const png = decodePng(new Uint8Array(await (await fetch(`${cp.url}/api/tasks/${id}/screenshots/${key.split("/").pop()}`, { headers: { authorization: `Bearer ${cp.adminToken}` } })).arrayBuffer()));
    const seenByAgent = region((x, y) => [...png.data.subarray((y * png.width + x) * png.channels, (y * png.width + x) * png.channels + 3)]);

    // Live: the viewer got updates while the task ran, and now shows what the agent saw, which is not what was there before.
    await waitUntil(async () => region((x, y) => watcher.framebuffer.getPixel(x, y)).join() === seenByAgent.join(), 10_000, () => "the viewer to show the submitted form");
    expect(updates).toBeGreaterThan(updatesBefore);
    expect(seenByAgent).not.toEqual(before);
    await watcher.close();

    world.anthropic.assertNoRejections();
    expect(world.host.logs()).not.toContain(world.hostToken);
    expect(world.host.logs()).not.toContain(VNC_PASSWORD);
  });

  it("doctor names what the server offers and that X509Vnc was chosen with the given CA", () => {
    const doctor = (extra: string[]) =>
      spawnSync(process.execPath, [join(ROOT, "desktop-host", "bin", "deskfleet-host.ts"), "doctor", "--vnc", `127.0.0.1:${world.desktop.port}`, ...extra], {
        env: { PATH: process.env["PATH"] ?? "", DESKFLEET_VNC_PASSWORD: VNC_PASSWORD },
        encoding: "utf8",
      });
    const trusted = doctor(["--vnc-tls-ca", ca.caFile]);
    expect(trusted.stdout).toContain("security: the server offers VeNCrypt (X509Vnc); chose VeNCrypt X509Vnc");
    const untrusted = doctor([]);
    expect(untrusted.stdout).toContain(`SHA-256 fingerprint ${ca.fingerprint}`);
    expect(untrusted.stdout).toContain("--vnc-tls-fingerprint");
    expect(trusted.stdout + untrusted.stdout).not.toContain(VNC_PASSWORD);
  });

  it("is reached by the control plane itself over X509Vnc when no host serves it: screenshots and a live viewer", async () => {
    const { cp } = world;
    const created = await cp.api("POST", "/api/desktops", { id: "tls-direct", vncUrl: `vnc://:${VNC_PASSWORD}@localhost:${world.desktop.port}?security=X509Vnc` });
    expect(created.status).toBe(201);
    expect(created.json.vncUrl).toBe(`vnc://localhost:${world.desktop.port}?security=X509Vnc`);

    const res = await fetch(`${cp.url}/api/desktops/tls-direct/screenshot`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(res.status, await res.clone().text()).toBe(200);
    const png = decodePng(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([1280, 800]);
    const i = ((png.height - 50) * png.width + (png.width - 50)) * png.channels;
    expect([png.data[i], png.data[i + 1], png.data[i + 2]]).toEqual([0x33, 0x66, 0xcc]); // the test app's swatch

    const direct = await viewer("tls-direct");
    expect([direct.width, direct.height]).toEqual([1280, 800]);
    await waitUntil(async () => direct.framebuffer.getPixel(1230, 750).join(",") === "51,102,204", 10_000, () => "the swatch through the object's own TLS session");
    await direct.close();
  });

  it("refuses, from the control plane, a certificate that no trusted CA signed, and says what to do", async () => {
    const stranger = makeThrowawayCa();
    const other = await startXDesktop({ width: 64, height: 48, password: VNC_PASSWORD, server: "Xvnc", xvncSecurity: { types: ["X509Vnc"], x509: { certFile: stranger.certFile, keyFile: stranger.keyFile } } });
    try {
      await world.cp.api("POST", "/api/desktops", { id: "tls-stranger", vncUrl: `vnc://:${VNC_PASSWORD}@localhost:${other.port}` });
      const res = await world.cp.api("GET", "/api/desktops/tls-stranger/screenshot");
      expect(res.status).toBe(502);
      expect(res.json.error.code).toBe("vnc_failed");
      expect(res.json.error.message).toMatch(/TLS handshake with the VNC server at localhost failed .* must be issued by a public CA for localhost/);
      expect(res.json.error.message).not.toContain(VNC_PASSWORD);
    } finally {
      await other.stop();
      stranger.remove();
    }
  });
});
