import { describe, expect, it } from "vitest";
import { base32Encode, type TotpSeed } from "@deskfleet/protocol";
import { totpCode } from "./totp.ts";

// RFC 6238, Appendix B: the ASCII seeds "1234567890" repeated to 20, 32 and 64 bytes, 8 digits, 30 s.
const seed = (ascii: string, algorithm: TotpSeed["algorithm"]): TotpSeed => ({ secret: base32Encode(new TextEncoder().encode(ascii)), algorithm, digits: 8, period: 30 });
const SHA1 = seed("12345678901234567890", "SHA1");
const SHA256 = seed("12345678901234567890123456789012", "SHA256");
const SHA512 = seed("1234567890123456789012345678901234567890123456789012345678901234", "SHA512");

const VECTORS: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("totpCode", () => {
  it.each(VECTORS)("gives RFC 6238's codes at %i s for SHA-1, SHA-256 and SHA-512", async (seconds, sha1, sha256, sha512) => {
    const at = seconds * 1000;
    expect([await totpCode(SHA1, at), await totpCode(SHA256, at), await totpCode(SHA512, at)]).toEqual([sha1, sha256, sha512]);
  });

  it("keeps leading zeros and honours 6 digits and the period", async () => {
    expect(await totpCode({ ...SHA1, digits: 6 }, 1111111109 * 1000)).toBe("081804");
    // A 60 s period counts half as many steps: the code at 120 s equals the 30 s code at 60 s.
    expect(await totpCode({ ...SHA1, period: 60 }, 119_000)).toBe(await totpCode(SHA1, 59_000));
  });
});
