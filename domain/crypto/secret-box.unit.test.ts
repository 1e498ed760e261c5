import { describe, expect, it } from "vitest";
import { open, seal, SealedValueError, tryOpen } from "./secret-box.ts";

const KEY = { DESKFLEET_SECRET_KEY: "current-key-0123456789abcdef" };
const OLD = "previous-key-0123456789abcdef";

describe("secret-box", () => {
  it("opens what it sealed, and the sealed text does not contain the value", async () => {
    const sealed = await seal(KEY, "vault-secret", "hunter2-hunter2", "github");
    expect(sealed.startsWith("v2.")).toBe(true);
    expect(sealed).not.toContain("hunter2");
    expect(atob(sealed.slice(3))).not.toContain("hunter2");
    expect(await open(KEY, "vault-secret", sealed, "github")).toBe("hunter2-hunter2");
  });

  it("does not open a value under another purpose or moved to another row", async () => {
    const sealed = await seal(KEY, "vault-secret", "hunter2-hunter2", "github");
    await expect(open(KEY, "help-answer", sealed, "github")).rejects.toBeInstanceOf(SealedValueError);
    await expect(open(KEY, "vault-secret", sealed, "gitlab")).rejects.toBeInstanceOf(SealedValueError);
  });

  it("opens values sealed under the previous key while DESKFLEET_SECRET_KEY_PREVIOUS is set, and says they need re-sealing", async () => {
    const sealed = await seal({ DESKFLEET_SECRET_KEY: OLD }, "vault-secret", "hunter2-hunter2", "github");
    await expect(open(KEY, "vault-secret", sealed, "github")).rejects.toBeInstanceOf(SealedValueError);
    const rotating = { ...KEY, DESKFLEET_SECRET_KEY_PREVIOUS: OLD };
    expect(await tryOpen(rotating, "vault-secret", sealed, "github")).toEqual({ plaintext: "hunter2-hunter2", current: false });
    const resealed = await seal(rotating, "vault-secret", "hunter2-hunter2", "github");
    expect(await tryOpen(rotating, "vault-secret", resealed, "github")).toEqual({ plaintext: "hunter2-hunter2", current: true });
  });

  it("still opens VNC credentials sealed in the format before purposes (v1), and marks them for re-sealing", async () => {
    // Sealed exactly as the v1 code did: HKDF with the v1 salt and no info, AES-GCM without additional data.
    const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(KEY.DESKFLEET_SECRET_KEY), "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("deskfleet/secret-box/v1"), info: new Uint8Array() },
      base, { name: "AES-GCM", length: 256 }, false, ["encrypt"],
    );
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode('{"password":"vnc-pass"}')));
    const v1 = `v1.${btoa(String.fromCharCode(...iv, ...ct))}`;
    expect(await tryOpen(KEY, "vnc-credentials", v1)).toEqual({ plaintext: '{"password":"vnc-pass"}', current: false });
    await expect(open(KEY, "vault-secret", v1)).rejects.toThrow(/VNC credentials only/);
  });

  it("refuses to seal without a key long enough, with what to do", async () => {
    await expect(seal({ DESKFLEET_SECRET_KEY: "short" }, "vault-secret", "x")).rejects.toThrow(/wrangler secret put DESKFLEET_SECRET_KEY/);
  });
});
