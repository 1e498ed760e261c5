import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { desEncryptBlock } from "./des.ts";
import { vncAuthResponse, vncPasswordKey } from "./vnc-auth.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)));
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

describe("DES", () => {
  it("matches the FIPS 81 example: 'Now is t' under 0123456789ABCDEF", () => {
    expect(desEncryptBlock(hex("0123456789abcdef"), hex("4e6f772069732074"))).toEqual(hex("3fa40e8a984d4815"));
  });

  it("matches the classic worked example key 133457799BBCDFF1", () => {
    expect(desEncryptBlock(hex("133457799bbcdff1"), hex("0123456789abcdef"))).toEqual(hex("85e813540f0ab405"));
  });
});

describe("vncAuthResponse", () => {
  // In the zrle-3.8 recording: "RFB 003.008\n", 1 security type (2), the 16-byte
  // challenge, then SecurityResult 0 — x11vnc accepted the response our client sent.
  const server = fixture("zrle-3.8.server.bin");
  const client = fixture("zrle-3.8.client.bin");
  const challenge = server.subarray(14, 30);
  const response = client.subarray(13, 29);

  it("produces the response x11vnc accepted for password 'secret'", () => {
    expect([...server.subarray(12, 14)]).toEqual([1, 2]);
    expect([...server.subarray(30, 34)]).toEqual([0, 0, 0, 0]); // SecurityResult OK
    expect(vncAuthResponse("secret", challenge)).toEqual(response);
  });

  it("matches an independent OpenSSL DES-ECB computation of a fixed challenge", () => {
    // printf '\x00\x01...\x0f' | openssl enc -des-ecb -nopad -provider legacy -K <bit-reversed "secret"> | xxd -p
    expect(Buffer.from(vncPasswordKey("secret")).toString("hex")).toBe("cea6c64ea62e0000");
    const fixed = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(Buffer.from(vncAuthResponse("secret", fixed)).toString("hex")).toBe(OPENSSL_SECRET_0_TO_15);
  });

  it("answers differently for a wrong password", () => {
    expect(vncAuthResponse("wrong", challenge)).not.toEqual(response);
  });

  it("ignores everything after the eighth character, as every VNC server does", () => {
    expect(vncAuthResponse("secret12-and-more", challenge)).toEqual(vncAuthResponse("secret12", challenge));
  });
});

const OPENSSL_SECRET_0_TO_15 = "ee22539f33a5983ec12f9c2edbc995dd";
