import { createCipheriv, createDecipheriv, createDiffieHellman, createHash, getDiffieHellman, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aesEcbEncrypt } from "./aes-ecb.ts";
import { ardResponse, credentialBlock, modPow, type ArdChallenge } from "./apple-remote-desktop.ts";
import { concatBytes } from "./bytes.ts";
import { ARD_CLIENT_SEED, ARD_PASSWORD, ARD_SCREEN, ARD_SERVER_PRIVATE_KEY, ARD_USERNAME } from "./fixtures/ard-session.ts";
import { ARD_VECTOR } from "./fixtures/ard-vector.ts";
import { md5 } from "./md5.ts";
import { RfbClient, type RfbClientOptions } from "./rfb-client.ts";
import type { RfbError } from "./rfb-error.ts";
import { replaySocket } from "./testing/replay-socket.ts";
import { seededRandom } from "./testing/seeded-random.ts";

// Apple Remote Desktop (type 30). The recorded session's server side is Node's
// own crypto (fixtures/record-ard.ts), and every check here that says "Node"
// recomputes with node:crypto (OpenSSL), independently of our code.

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const ascii = (text: string) => new TextEncoder().encode(text);
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const KEY_LENGTH = ARD_VECTOR.keyLength;

/** What the server does with the client's answer, in Node's crypto: the decrypted 128-byte block. */
function nodeDecrypt(serverPrivateKeyHex: string, answer: Uint8Array): Buffer {
  const group = getDiffieHellman("modp2");
  const dh = createDiffieHellman(group.getPrime(), group.getGenerator());
  dh.setPrivateKey(Buffer.from(serverPrivateKeyHex, "hex"));
  dh.generateKeys();
  const secret = dh.computeSecret(Buffer.from(answer.subarray(128)));
  const shared = Buffer.concat([Buffer.alloc(KEY_LENGTH - secret.length), secret]);
  const key = createHash("md5").update(shared).digest();
  const decipher = createDecipheriv("aes-128-ecb", key, null).setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(answer.subarray(0, 128))), decipher.final()]);
}

const field = (block: Buffer, offset: number) => block.subarray(offset, block.indexOf(0, offset)).toString("utf8");

describe("Apple Remote Desktop against the recorded session", () => {
  const server = fixture("ard-3.889.server.bin");
  const client = fixture("ard-3.889.client.bin");
  const options: RfbClientOptions = { username: ARD_USERNAME, password: ARD_PASSWORD, randomBytes: seededRandom(ARD_CLIENT_SEED), encodings: [0], autoRequestUpdates: false };

  it("chooses type 30 among Apple's types, sends byte for byte what the server accepted, and shows the screen", async () => {
    const pipe = replaySocket(server);
    const rfb = await RfbClient.connect(pipe.socket, options);
    expect(rfb.security).toEqual({ offered: [30, 33, 35, 36], chosen: "ARD" });
    expect([rfb.width, rfb.height, rfb.name]).toEqual([ARD_SCREEN.width, ARD_SCREEN.height, ARD_SCREEN.name]);
    await rfb.requestUpdate({ incremental: false });
    await rfb.closed;
    expect(rfb.framebuffer.getPixel(7, 3)).toEqual([0, 113, 227]);
    expect(pipe.written()).toEqual(client);
  });

  it("sent credentials that Node's Diffie-Hellman, MD5 and AES-128-ECB decrypt to the user name and password, NUL-terminated in 64-byte halves", () => {
    const answer = client.subarray(12 + 1, 12 + 1 + 128 + KEY_LENGTH); // after the version and the chosen type
    const block = nodeDecrypt(ARD_SERVER_PRIVATE_KEY, answer);
    expect(field(block, 0)).toBe(ARD_USERNAME);
    expect(field(block, 64)).toBe(ARD_PASSWORD);
    expect(block[ARD_USERNAME.length]).toBe(0);
    expect(block[64 + ARD_PASSWORD.length]).toBe(0);
  });

  it("computes the recorded answer from the challenge alone (the vector a Worker checks too)", async () => {
    const challenge: ArdChallenge = { generator: ARD_VECTOR.generator, keyLength: KEY_LENGTH, prime: hex(ARD_VECTOR.prime), serverPublicKey: hex(ARD_VECTOR.serverPublicKey) };
    const answer = await ardResponse(challenge, { username: ARD_USERNAME, password: ARD_PASSWORD }, seededRandom(ARD_CLIENT_SEED));
    expect(Buffer.from(answer).toString("hex")).toBe(ARD_VECTOR.response);
  });
});

describe("Apple Remote Desktop's parts, against Node's crypto", () => {
  const group = getDiffieHellman("modp2");
  const challengeFor = (serverPublicKey: Buffer): ArdChallenge => ({ generator: 2n, keyLength: KEY_LENGTH, prime: group.getPrime(), serverPublicKey });

  it("derives the same shared secret as Node's DiffieHellman for fresh keys on both sides", () => {
    for (let i = 0; i < 3; i++) {
      const alice = createDiffieHellman(group.getPrime(), group.getGenerator());
      const bob = createDiffieHellman(group.getPrime(), group.getGenerator());
      alice.generateKeys();
      bob.generateKeys();
      const p = BigInt(`0x${group.getPrime("hex")}`);
      const ours = modPow(BigInt(`0x${bob.getPublicKey("hex")}`), BigInt(`0x${alice.getPrivateKey("hex")}`), p);
      expect(ours.toString(16).padStart(KEY_LENGTH * 2, "0")).toBe(alice.computeSecret(bob.getPublicKey()).toString("hex").padStart(KEY_LENGTH * 2, "0"));
    }
  });

  it("answers a fresh server each time with a new key and filler that Node decrypts to the same credentials", async () => {
    const serverKey = randomBytes(32).toString("hex");
    const dh = createDiffieHellman(group.getPrime(), group.getGenerator());
    dh.setPrivateKey(Buffer.from(serverKey, "hex"));
    dh.generateKeys();
    const challenge = challengeFor(dh.getPublicKey());
    const first = await ardResponse(challenge, { username: "grace", password: "hopper" });
    const second = await ardResponse(challenge, { username: "grace", password: "hopper" });
    expect(first.length).toBe(128 + KEY_LENGTH);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    for (const answer of [first, second]) {
      const block = nodeDecrypt(serverKey, answer);
      expect([field(block, 0), field(block, 64)]).toEqual(["grace", "hopper"]);
    }
  });

  it("encrypts AES-128-ECB as FIPS-197's example and as OpenSSL does, block by block", async () => {
    // FIPS-197 Appendix C.1: AES-128, key 000102…0f, plaintext 00112233…ff.
    expect(Buffer.from(await aesEcbEncrypt(hex("000102030405060708090a0b0c0d0e0f"), hex("00112233445566778899aabbccddeeff"))).toString("hex")).toBe("69c4e0d86a7b0430d8cdb78070b4c55a");
    const key = randomBytes(16);
    const data = randomBytes(128);
    const openssl = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
    expect(Buffer.from(await aesEcbEncrypt(key, data)).equals(Buffer.concat([openssl.update(data), openssl.final()]))).toBe(true);
  });

  it("hashes MD5 as RFC 1321's test suite and as OpenSSL does, for every length across the block boundaries", () => {
    expect(Buffer.from(md5(ascii(""))).toString("hex")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(Buffer.from(md5(ascii("abc"))).toString("hex")).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(Buffer.from(md5(ascii("12345678901234567890123456789012345678901234567890123456789012345678901234567890"))).toString("hex")).toBe("57edf4a22be3c955ac49da2e2107b67a");
    for (let length = 0; length <= 200; length++) {
      const data = randomBytes(length);
      expect(Buffer.from(md5(data)).toString("hex")).toBe(createHash("md5").update(data).digest("hex"));
    }
  });

  it("fills each half after its NUL with random bytes, never with the other field's text", () => {
    const block = credentialBlock({ username: "ada", password: "pw" }, () => new Uint8Array(128).fill(0xee));
    expect([...block.subarray(0, 5)]).toEqual([0x61, 0x64, 0x61, 0, 0xee]);
    expect([...block.subarray(64, 68)]).toEqual([0x70, 0x77, 0, 0xee]);
  });

  it("refuses a user name or password that does not fit its 64-byte half", () => {
    expect(() => credentialBlock({ username: "a".repeat(64), password: "pw" })).toThrow(/user name is 64 bytes long; .* at most 63/);
    expect(() => credentialBlock({ username: "ada", password: "é".repeat(32) })).toThrow(/password is 64 bytes long/);
  });

  it("refuses a server public key of 1 or p-1, which would make the shared secret known", async () => {
    const p = BigInt(`0x${group.getPrime("hex")}`);
    const bytes = (n: bigint) => Buffer.from(n.toString(16).padStart(KEY_LENGTH * 2, "0"), "hex");
    for (const bad of [1n, p - 1n]) {
      await expect(ardResponse(challengeFor(bytes(bad)), { username: "a", password: "b" })).rejects.toThrow(/unusable Apple Remote Desktop public key/);
    }
  });
});

describe("Apple Remote Desktop in the handshake", () => {
  const greeting = (types: number[]) => concatBytes([ascii("RFB 003.889\n"), Uint8Array.of(types.length, ...types)]);
  const failure = (bytes: Uint8Array, options: RfbClientOptions) =>
    RfbClient.connect(replaySocket(bytes).socket, options).then(() => undefined, (error: unknown) => error as RfbError);

  it("asks for a user name when macOS offers only type 30 and just a password is configured", async () => {
    const error = await failure(greeting([30, 33, 35, 36]), { password: "pw" });
    expect(error?.code).toBe("username-required");
    expect(error?.message).toMatch(/needs the user name and password of an account on that Mac, and no user name was configured/);
    expect(error?.security).toEqual({ offered: [30, 33, 35, 36] });
  });

  it("uses VNC Authentication when the Mac also allows it and only a password is configured", async () => {
    const serverInit = concatBytes([u16(2), u16(2), Uint8Array.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0), u32(3), ascii("mac")]);
    const pipe = replaySocket(concatBytes([greeting([30, 2]), new Uint8Array(16), u32(0), serverInit]), { keepOpen: true });
    const rfb = await RfbClient.connect(pipe.socket, { password: "pw", autoRequestUpdates: false });
    expect(rfb.security).toEqual({ offered: [30, 2], chosen: "VncAuth" });
    expect(pipe.written()[12]).toBe(2);
    await rfb.close();
  });

  it("says the Mac rejected the user name or password, with its reason", async () => {
    const recorded = fixture("ard-3.889.server.bin");
    const challengeEnd = 12 + 5 + 4 + 2 * KEY_LENGTH;
    const reason = "Authentication failed";
    const bytes = concatBytes([recorded.subarray(0, challengeEnd), u32(1), u32(reason.length), ascii(reason)]);
    const error = await failure(bytes, { username: ARD_USERNAME, password: "wrong" });
    expect(error?.code).toBe("auth-failed");
    expect(error?.message).toBe(
      "The VNC server rejected the user name or password (Authentication failed); check the desktop's VNC user name and password (an account on that Mac allowed to use Screen Sharing).",
    );
    expect(error?.message).not.toContain("wrong");
  });

  it("refuses an absurd key length instead of reading megabytes", async () => {
    const error = await failure(concatBytes([greeting([30]), u16(2), u16(60_000)]), { username: "a", password: "b" });
    expect(error?.code).toBe("protocol");
    expect(error?.message).toMatch(/60000-byte Apple Remote Desktop key/);
  });
});
