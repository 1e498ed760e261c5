import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, parseTotpSeed } from "./totp-seed.ts";

describe("parseTotpSeed", () => {
  it("takes a base32 seed as people paste it: any case, spaces, dashes and padding", () => {
    expect(parseTotpSeed("jbsw y3dp ehpk 3pxp====")).toEqual({ ok: true, seed: { secret: "JBSWY3DPEHPK3PXP", algorithm: "SHA1", digits: 6, period: 30 } });
  });

  it("reads algorithm, digits and period from an otpauth://totp/ URI", () => {
    const parsed = parseTotpSeed("otpauth://totp/GitHub:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub&algorithm=SHA256&digits=8&period=60");
    expect(parsed).toEqual({ ok: true, seed: { secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", algorithm: "SHA256", digits: 8, period: 60 } });
  });

  it("refuses what is not base32, saying what a seed looks like", () => {
    const parsed = parseTotpSeed("not a seed at all 0189!");
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/base32 \(letters A-Z and digits 2-7\) or an otpauth:\/\/totp\/ URI/);
  });

  it("refuses seeds too short to be real, HOTP URIs, and out-of-range digits", () => {
    expect(parseTotpSeed("JBSWY3DP").ok).toBe(false);
    expect(parseTotpSeed("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1")).toMatchObject({ ok: false, reason: expect.stringMatching(/only otpauth:\/\/totp\//) });
    expect(parseTotpSeed("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4")).toMatchObject({ ok: false, reason: "digits must be 6, 7 or 8" });
    expect(parseTotpSeed("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5")).toMatchObject({ ok: false });
  });

  it("decodes and encodes base32 as RFC 4648's test vectors say", () => {
    expect(new TextDecoder().decode(base32Decode("MZXW6YTBOI"))).toBe("foobar");
    expect(base32Encode(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(base32Encode(new TextEncoder().encode("f"))).toBe("MY");
  });
});
