import { describe, expect, it } from "vitest";
import { ardResponse } from "@deskfleet/rfb/apple-remote-desktop";
import { ARD_CLIENT_SEED, ARD_PASSWORD, ARD_USERNAME } from "@deskfleet/rfb/fixtures/ard-session";
import { ARD_VECTOR } from "@deskfleet/rfb/fixtures/ard-vector";
import { seededRandom } from "@deskfleet/rfb/testing/seeded-random";

// The Durable Object answers a Mac's Apple Remote Desktop challenge itself
// (VNC-only desktops): the same BigInt Diffie-Hellman, MD5 and WebCrypto
// AES-128-ECB must give, in the Workers runtime, the very bytes the recorded
// session's server (Node's OpenSSL) accepted.
const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("RFB security in the Workers runtime", () => {
  it("computes Apple Remote Desktop's recorded answer byte for byte", async () => {
    const challenge = { generator: ARD_VECTOR.generator, keyLength: ARD_VECTOR.keyLength, prime: hex(ARD_VECTOR.prime), serverPublicKey: hex(ARD_VECTOR.serverPublicKey) };
    const answer = await ardResponse(challenge, { username: ARD_USERNAME, password: ARD_PASSWORD }, seededRandom(ARD_CLIENT_SEED));
    expect(toHex(answer)).toBe(ARD_VECTOR.response);
  });
});
