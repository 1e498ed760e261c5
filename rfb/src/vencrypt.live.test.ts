import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTcp, type TlsTrust } from "./node-socket.ts";
import { RfbClient } from "./rfb-client.ts";
import type { RfbError } from "./rfb-error.ts";
import { SecurityType, VencryptSubtype, type VncSecurityMethod } from "./security-types.ts";
import { makePlainPamService, plainPamUnavailable, type PlainPamService } from "./testing/plain-pam-service.ts";
import { makeThrowawayCa, opensslMissing, type ThrowawayCa } from "./testing/throwaway-ca.ts";
import { missingXTools, startXDesktop, type XDesktop } from "./testing/x-desktop.ts";

// VeNCrypt against TigerVNC's Xvnc: one server offering all six TLS and X509
// subtypes with a certificate from a throwaway CA, and our client choosing
// each in turn. Plain checks a user name and password through a PAM service
// of the test's own (root only; skipped otherwise, and said so).

const missing = [...missingXTools({ servers: ["Xvnc"] }), ...(opensslMissing() ? ["openssl"] : [])];
if (missing.length > 0) {
  const message = `VeNCrypt live tests need ${missing.join(", ")} (apt-get install -y tigervnc-standalone-server tigervnc-tools openssl xdotool x11-xserver-utils)`;
  if (process.env["DESKFLEET_E2E"] === "1") throw new Error(message);
  console.warn(`Skipping: ${message}`);
}
const noPlain = plainPamUnavailable();
if (noPlain && missing.length === 0) console.warn(`Skipping VeNCrypt Plain: ${noPlain}.`);

const PASSWORD = "tlspass1";
const USER = "ada";
const USER_PASSWORD = "plain-secret";
const ORANGE = [255, 136, 0];
const SIX: VncSecurityMethod[] = ["TLSNone", "TLSVnc", "TLSPlain", "X509None", "X509Vnc", "X509Plain"];

let ca: ThrowawayCa;
let otherName: ThrowawayCa;
let pam: PlainPamService | null = null;
let desktop: XDesktop;
const clients: RfbClient[] = [];

async function connect(options: { security?: VncSecurityMethod[]; tls?: TlsTrust; password?: string; username?: string; port?: number; host?: string }): Promise<RfbClient> {
  const socket = await connectTcp(options.host ?? "127.0.0.1", options.port ?? desktop.port, options.tls ? { tls: options.tls } : {});
  const client = await RfbClient.connect(socket, {
    ...(options.security ? { security: options.security } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
  });
  clients.push(client);
  return client;
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as RfbError);

async function sees(client: RfbClient, rgb: number[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (client.framebuffer.getPixel(300, 200).join(",") !== rgb.join(",")) {
    if (Date.now() > deadline) throw new Error(`the screen never showed ${rgb.join(",")} (got ${client.framebuffer.getPixel(300, 200).join(",")})`);
    await client.waitForUpdate({ timeoutMs: 1_000 }).catch(() => undefined);
  }
}

describe.skipIf(missing.length > 0)("VeNCrypt against TigerVNC's Xvnc", () => {
  beforeAll(async () => {
    ca = makeThrowawayCa();
    otherName = makeThrowawayCa(["vnc.example.com"]);
    if (!noPlain) pam = makePlainPamService(USER, USER_PASSWORD);
    desktop = await startXDesktop({
      width: 320, height: 240, password: PASSWORD, server: "Xvnc",
      xvncSecurity: { types: SIX, x509: { certFile: ca.certFile, keyFile: ca.keyFile }, ...(pam ? { plain: { service: pam.service, users: [USER] } } : {}) },
      setup: ({ run }) => void run("xsetroot", ["-solid", "#ff8800"]),
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await desktop?.stop();
    pam?.remove();
    ca?.remove();
    otherName?.remove();
  });

  it.each(SIX.filter((m) => !m.endsWith("Plain")))("connects with %s and shows the real screen through TLS", async (method) => {
    const client = await connect({ security: [method], password: PASSWORD, tls: { ca: ca.caPem } });
    expect(client.security).toEqual({
      offered: [SecurityType.VeNCrypt],
      vencryptSubtypes: SIX.map((m) => VencryptSubtype[m as keyof typeof VencryptSubtype]),
      chosen: method,
    });
    await sees(client, ORANGE);
  });

  it.skipIf(noPlain !== null).each(["TLSPlain", "X509Plain"] as const)("connects with %s: the user name and password pass Xvnc's PAM check", async (method) => {
    const client = await connect({ security: [method], username: USER, password: USER_PASSWORD, tls: { ca: ca.caPem } });
    expect(client.security.chosen).toBe(method);
    await sees(client, ORANGE);
  });

  it.skipIf(noPlain !== null)("is refused by Xvnc with a wrong Plain password, and says to check the user name and password", async () => {
    const error = await failure(connect({ security: ["X509Plain"], username: USER, password: "wrong-secret", tls: { ca: ca.caPem } }));
    expect(error?.code).toBe("auth-failed");
    expect(error?.message).toMatch(/rejected the user name or password/);
  });

  it("prefers a verified certificate over anonymous TLS, and VNC Authentication inside it for a password alone", async () => {
    const client = await connect({ password: PASSWORD, tls: { ca: ca.caPem } });
    expect(client.security.chosen).toBe("X509Vnc");
  });

  it("refuses a certificate this host does not trust and names its fingerprint, as openssl prints it", async () => {
    const error = await failure(connect({ security: ["X509Vnc"], password: PASSWORD }));
    expect(error?.code).toBe("certificate-untrusted");
    expect(error?.message).toContain(ca.fingerprint);
    expect(error?.message).toMatch(/signed by a CA this host does not trust/);
    expect(error?.security).toMatchObject({ offered: [SecurityType.VeNCrypt], chosen: "X509Vnc" });
  });

  it("accepts exactly the pinned certificate, without a CA, and refuses another pin", async () => {
    const pinned = await connect({ security: ["X509Vnc"], password: PASSWORD, tls: { fingerprint: `sha256:${ca.fingerprint.toLowerCase()}` } });
    await sees(pinned, ORANGE);
    const error = await failure(connect({ security: ["X509Vnc"], password: PASSWORD, tls: { fingerprint: otherName.fingerprint } }));
    expect(error?.code).toBe("certificate-untrusted");
    expect(error?.message).toContain(`is not the pinned one (${otherName.fingerprint})`);
  });

  it("refuses a trusted CA's certificate issued for another host name", async () => {
    const other = await startXDesktop({
      width: 64, height: 48, password: PASSWORD, server: "Xvnc",
      xvncSecurity: { types: ["X509Vnc"], x509: { certFile: otherName.certFile, keyFile: otherName.keyFile } },
    });
    try {
      const error = await failure(connect({ port: other.port, password: PASSWORD, tls: { ca: otherName.caPem } }));
      expect(error?.code).toBe("certificate-untrusted");
      expect(error?.message).toMatch(/not issued for 127\.0\.0\.1/);
    } finally {
      await other.stop();
    }
  });

  it("says the VNC password is wrong when Xvnc rejects it inside TLS", async () => {
    const error = await failure(connect({ security: ["TLSVnc"], password: "wrongpw1" }));
    expect(error?.code).toBe("auth-failed");
    expect(error?.message).toMatch(/rejected the password/);
  });

  it("falls back to the None Xvnc lists among VeNCrypt's subtypes when a TLS subtype would need a password it lacks", async () => {
    const open = await startXDesktop({ width: 64, height: 48, password: PASSWORD, server: "Xvnc", xvncSecurity: { types: ["None", "TLSVnc"] } });
    try {
      const client = await connect({ port: open.port });
      expect(client.security).toEqual({ offered: [SecurityType.VeNCrypt, SecurityType.None], vencryptSubtypes: [1, VencryptSubtype.TLSVnc], chosen: "None" });
      expect([client.width, client.height]).toEqual([64, 48]);
      const withPassword = await connect({ port: open.port, password: PASSWORD });
      expect(withPassword.security.chosen).toBe("TLSVnc");
    } finally {
      await open.stop();
    }
  });

  it("lists both sides when the allowed methods and the server's share none", async () => {
    const error = await failure(connect({ security: ["VncAuth", "None"], password: PASSWORD }));
    expect(error?.code).toBe("unsupported-security");
    expect(error?.message).toBe(
      "The VNC server offers only VeNCrypt; this desktop allows only VNC Authentication, None. " +
        "Allow one of the server's methods in the desktop's VNC security list, or enable one of ours on the server.",
    );
  });
});
