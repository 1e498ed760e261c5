// AES-128 in ECB mode over whole 16-byte blocks, from WebCrypto (Node and
// Workers alike). WebCrypto has no ECB, but CBC with an all-zero IV over one
// block is exactly that block's ECB encryption; the padding block CBC appends
// is dropped.

const ZERO_IV = new Uint8Array(16);

export async function aesEcbEncrypt(key: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  if (key.length !== 16) throw new RangeError(`AES-128 needs a 16-byte key, got ${key.length}`);
  if (plaintext.length % 16 !== 0) throw new RangeError(`ECB without padding needs whole 16-byte blocks, got ${plaintext.length} bytes`);
  const cryptoKey = await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "AES-CBC" }, false, ["encrypt"]);
  const out = new Uint8Array(plaintext.length);
  for (let offset = 0; offset < plaintext.length; offset += 16) {
    const block = plaintext.slice(offset, offset + 16);
    const encrypted = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: ZERO_IV }, cryptoKey, block));
    out.set(encrypted.subarray(0, 16), offset);
  }
  return out;
}
