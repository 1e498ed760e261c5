import { aesEcbEncrypt } from "./aes-ecb.ts";
import { concatBytes } from "./bytes.ts";
import { md5 } from "./md5.ts";
import { RfbError } from "./rfb-error.ts";
import type { RfbStream } from "./rfb-stream.ts";

// Apple Remote Desktop authentication (RFB security type 30), what macOS
// Screen Sharing asks for: the server sends Diffie-Hellman parameters and its
// public key; the client answers with a 128-byte block holding the user name
// and password, AES-128-ECB encrypted under MD5 of the shared secret, followed
// by its own public key. Layout as noVNC and libvncclient implement it.

export type ArdChallenge = { generator: bigint; keyLength: number; prime: Uint8Array; serverPublicKey: Uint8Array };

/** Random bytes; tests pass a fixed source to replay a recorded handshake. */
export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

/** Each of the user name and password gets a 64-byte half, NUL-terminated. */
const FIELD_BYTES = 64;
/** Larger keys than 8192 bits are no DH group anyone uses; refusing bounds the work. */
const MAX_KEY_BYTES = 1024;

export async function readArdChallenge(stream: RfbStream): Promise<ArdChallenge> {
  const generatorBytes = await stream.reader.read(2);
  const generator = BigInt((generatorBytes[0]! << 8) | generatorBytes[1]!);
  const keyLength = await stream.reader.u16();
  if (keyLength < 16 || keyLength > MAX_KEY_BYTES) {
    throw new RfbError("protocol", `The VNC server sent a ${keyLength}-byte Apple Remote Desktop key; expected 16 to ${MAX_KEY_BYTES} bytes.`);
  }
  const prime = (await stream.reader.read(keyLength)).slice();
  const serverPublicKey = (await stream.reader.read(keyLength)).slice();
  return { generator, keyLength, prime, serverPublicKey };
}

/**
 * The client's answer: ciphertext (128 bytes) then the client's public key
 * (keyLength bytes). Refuses degenerate parameters, which would make the
 * shared secret guessable.
 */
export async function ardResponse(challenge: ArdChallenge, credentials: { username: string; password: string }, random: RandomBytes = cryptoRandomBytes): Promise<Uint8Array> {
  const p = toBigInt(challenge.prime);
  const serverKey = toBigInt(challenge.serverPublicKey);
  if (p < 3n || challenge.generator < 2n || challenge.generator >= p - 1n) {
    throw new RfbError("protocol", "The VNC server sent unusable Apple Remote Desktop Diffie-Hellman parameters.");
  }
  if (serverKey <= 1n || serverKey >= p - 1n) throw new RfbError("protocol", "The VNC server sent an unusable Apple Remote Desktop public key.");

  const privateKey = toBigInt(random(challenge.keyLength)) % (p - 2n) + 1n;
  const clientPublicKey = toBytes(modPow(challenge.generator, privateKey, p), challenge.keyLength);
  const sharedSecret = toBytes(modPow(serverKey, privateKey, p), challenge.keyLength);
  const block = credentialBlock(credentials, random);
  const ciphertext = await aesEcbEncrypt(md5(sharedSecret), block);
  return concatBytes([ciphertext, clientPublicKey]);
}

/** The 128 bytes before encryption: each field UTF-8, then NUL, then random filler. */
export function credentialBlock(credentials: { username: string; password: string }, random: RandomBytes = cryptoRandomBytes): Uint8Array {
  const block = random(2 * FIELD_BYTES).slice();
  const fields = [credentials.username, credentials.password].map((text) => new TextEncoder().encode(text));
  fields.forEach((bytes, i) => {
    const what = i === 0 ? "user name" : "password";
    if (bytes.length >= FIELD_BYTES) throw new RfbError("auth-failed", `The VNC ${what} is ${bytes.length} bytes long; Apple Remote Desktop authentication takes at most ${FIELD_BYTES - 1}.`);
    if (bytes.includes(0)) throw new RfbError("auth-failed", `The VNC ${what} contains a NUL character, which Apple Remote Desktop authentication cannot carry.`);
    block.set(bytes, i * FIELD_BYTES);
    block[i * FIELD_BYTES + bytes.length] = 0;
  });
  return block;
}

/** Runs type 30 after the client chose it: reads the challenge, sends the answer. */
export async function appleRemoteDesktopAuth(stream: RfbStream, credentials: { username: string; password: string }, random?: RandomBytes): Promise<void> {
  const challenge = await readArdChallenge(stream);
  await stream.write(await ardResponse(challenge, credentials, random));
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

/** Big-endian, left-padded with zeros to `length` bytes, as the key length says. */
function toBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, "0");
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
