import { describe, expect, it } from "vitest";
import { seal } from "../../../domain/crypto/secret-box.ts";
import { splitVncUrl } from "../../../domain/crypto/vnc-url.ts";
import { handshakeOptions, vncTarget } from "./vnc-target.ts";

const KEY = { DESKFLEET_SECRET_KEY: "unit-test-secret-key-0123456789" };

/** What POST /api/desktops stores for a VNC URL: the address, and the sealed credentials. */
async function stored(url: string) {
  const { address, credentials } = splitVncUrl(url);
  return { address, sealed: credentials.username || credentials.password ? await seal(KEY, "vnc-credentials", JSON.stringify(credentials)) : null };
}

describe("a VNC-only desktop's target", () => {
  it("hands the user name from the URL to the handshake, with the password (Apple Remote Desktop on a Mac)", async () => {
    const { address, sealed } = await stored("vnc://ada:p%40ss@mac-mini.example.com:5900");
    const target = await vncTarget(KEY, address, sealed);
    expect(target).toEqual({ address: "vnc://mac-mini.example.com:5900", username: "ada", password: "p@ss" });
    expect(handshakeOptions(target)).toEqual({ username: "ada", password: "p@ss" });
  });

  it("keeps a user name without a password, and nothing when the URL has no credentials", async () => {
    const onlyUser = await stored("vnc://ada@mac-mini.example.com:5900");
    expect(handshakeOptions(await vncTarget(KEY, onlyUser.address, onlyUser.sealed))).toEqual({ username: "ada" });
    expect(handshakeOptions(await vncTarget(KEY, "vnc://10.0.0.5:5900", null))).toEqual({});
  });

  it("limits the methods to the URL's ?security= list, in its order", async () => {
    const { address, sealed } = await stored("vnc://:pw@vnc.example.com:5901?security=x509vnc,VncAuth");
    expect(handshakeOptions(await vncTarget(KEY, address, sealed))).toEqual({ password: "pw", security: ["X509Vnc", "VncAuth"] });
  });

  it("allows no method at all when a stored ?security= list no longer parses, rather than every method", async () => {
    expect((await vncTarget(KEY, "vnc://vnc.example.com:5901?security=RA2", null)).security).toEqual([]);
  });
});
