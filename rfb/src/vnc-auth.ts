import { desEncryptBlock } from "./des.ts";

/**
 * VNC Authentication (RFB security type 2): DES-encrypt the server's 16-byte
 * challenge with the password as key. Only the first 8 bytes of the password
 * count (a protocol limit), and each key byte is bit-reversed — a quirk of the
 * original implementation that every server copies.
 */
export function vncAuthResponse(password: string, challenge: Uint8Array): Uint8Array {
  if (challenge.length !== 16) throw new RangeError(`VNC challenge must be 16 bytes, got ${challenge.length}`);
  const key = vncPasswordKey(password);
  const response = new Uint8Array(16);
  response.set(desEncryptBlock(key, challenge.subarray(0, 8)), 0);
  response.set(desEncryptBlock(key, challenge.subarray(8, 16)), 8);
  return response;
}

export function vncPasswordKey(password: string): Uint8Array {
  const bytes = new TextEncoder().encode(password);
  const key = new Uint8Array(8);
  for (let i = 0; i < 8 && i < bytes.length; i++) key[i] = reverseBits(bytes[i]!);
  return key;
}

function reverseBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) out |= ((byte >> i) & 1) << (7 - i);
  return out;
}
