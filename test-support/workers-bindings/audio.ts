/**
 * TEST SUPPORT ONLY: real audio containers, small and deterministic, for the fake Telegram's voice
 * notes and the Workers AI stand-in's speech models. Runs in Node and in workerd (no Buffer).
 *
 * A voice note is an Ogg Opus stream as Telegram's apps record it (OpusHead, OpusTags, 20 ms
 * packets). The stand-in's "speech recognition" reads what was said from the OpusTags comment
 * `DESKFLEET_SAID=` — a convention of these tests, documented in README.md, not a language model.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg's CRC-32 (polynomial 0x04c11db7, no reflection), over the page with its checksum field zeroed. */
function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc >>> 0;
}

function oggPage(packets: Uint8Array[], opts: { serial: number; seq: number; granule: bigint; bos?: boolean; eos?: boolean }): Uint8Array {
  const lacing: number[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) (lacing.push(255), (n -= 255));
    lacing.push(n);
  }
  const body = concat(packets);
  const page = new Uint8Array(27 + lacing.length + body.length);
  const v = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
  page[4] = 0;
  page[5] = (opts.bos ? 2 : 0) | (opts.eos ? 4 : 0);
  v.setBigUint64(6, opts.granule, true);
  v.setUint32(14, opts.serial, true);
  v.setUint32(18, opts.seq, true);
  page[26] = lacing.length;
  page.set(lacing, 27);
  page.set(body, 27 + lacing.length);
  v.setUint32(22, oggCrc(page), true);
  return page;
}

const ascii = (s: string) => new TextEncoder().encode(s);

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** An Ogg Opus voice note of `seconds` of silence whose OpusTags say what was "said". */
export function makeVoiceNote(said: string, seconds = 2): Uint8Array {
  const head = new Uint8Array(19);
  head.set(ascii("OpusHead"));
  const hv = new DataView(head.buffer);
  head[8] = 1; // version
  head[9] = 1; // mono
  hv.setUint16(10, 312, true); // pre-skip
  hv.setUint32(12, 48_000, true);
  const vendor = ascii("libopus 1.3.1");
  const comment = ascii(`DESKFLEET_SAID=${said}`);
  const tags = new Uint8Array(8 + 4 + vendor.length + 4 + 4 + comment.length);
  const tv = new DataView(tags.buffer);
  tags.set(ascii("OpusTags"));
  tv.setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  tv.setUint32(12 + vendor.length, 1, true);
  tv.setUint32(16 + vendor.length, comment.length, true);
  tags.set(comment, 20 + vendor.length);
  const serial = 0x5eed;
  // 20 ms SILK/CELT frames; a TOC byte alone (code 0, empty frame) is a valid Opus packet (DTX).
  const frames = Math.max(1, Math.round(seconds * 50));
  const pages = [oggPage([head], { serial, seq: 0, granule: 0n, bos: true }), oggPage([tags], { serial, seq: 1, granule: 0n })];
  let seq = 2;
  for (let i = 0; i < frames; i += 50) {
    const n = Math.min(50, frames - i);
    const packets = Array.from({ length: n }, () => new Uint8Array([0xf8]));
    pages.push(oggPage(packets, { serial, seq: seq++, granule: BigInt((i + n) * 960), eos: i + n >= frames }));
  }
  return concat(pages);
}

/** An MP3 of `seconds` of silence: MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz (417 bytes, 26 ms each). */
export function makeMp3(seconds = 1): Uint8Array {
  const frames = Math.max(1, Math.round(seconds / 0.026));
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return concat(Array.from({ length: frames }, () => frame));
}

export type AudioFormat = "ogg" | "mp3" | "wav" | "flac" | "m4a" | "webm";

/** The container the bytes are, by their magic numbers; null when they are not audio we know. */
export function sniffAudio(b: Uint8Array): AudioFormat | null {
  const at = (i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (at(0, "OggS")) return "ogg";
  if (at(0, "ID3") || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return "mp3";
  if (at(0, "RIFF") && at(8, "WAVE")) return "wav";
  if (at(0, "fLaC")) return "flac";
  if (at(4, "ftyp")) return "m4a";
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return "webm";
  return null;
}

export type OggOpusInfo = { seconds: number; comments: string[] };

/**
 * Reads an Ogg Opus stream as a decoder would before decoding: every page's capture pattern and
 * CRC, the OpusHead (version 1), the OpusTags comments, and the duration from the last granule.
 * Throws with what is wrong.
 */
export function readOggOpus(b: Uint8Array): OggOpusInfo {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let at = 0;
  let granule = 0n;
  let preSkip = 0;
  while (at < b.length) {
    if (!(b[at] === 0x4f && b[at + 1] === 0x67 && b[at + 2] === 0x67 && b[at + 3] === 0x53)) throw new Error(`no Ogg page at byte ${at}`);
    if (at + 27 > b.length) throw new Error("a truncated Ogg page header");
    const v = new DataView(b.buffer, b.byteOffset + at);
    const segments = b[at + 26]!;
    const lacing = b.subarray(at + 27, at + 27 + segments);
    const bodyLength = lacing.reduce((n, x) => n + x, 0);
    const end = at + 27 + segments + bodyLength;
    if (end > b.length) throw new Error("a truncated Ogg page");
    const page = b.slice(at, end);
    const stated = v.getUint32(22, true);
    page.fill(0, 22, 26);
    if (oggCrc(page) !== stated) throw new Error(`an Ogg page's CRC does not match at byte ${at}`);
    granule = v.getBigUint64(6, true);
    let off = at + 27 + segments;
    for (const len of lacing) {
      partial.push(b.subarray(off, off + len));
      off += len;
      if (len < 255) (packets.push(concat(partial)), (partial = []));
    }
    at = end;
  }
  const [head, tags] = packets;
  if (!head || new TextDecoder().decode(head.subarray(0, 8)) !== "OpusHead") throw new Error("the first packet is not an OpusHead");
  if (head[8] !== 1) throw new Error("unsupported OpusHead version");
  preSkip = new DataView(head.buffer, head.byteOffset).getUint16(10, true);
  if (!tags || new TextDecoder().decode(tags.subarray(0, 8)) !== "OpusTags") throw new Error("the second packet is not OpusTags");
  const tv = new DataView(tags.buffer, tags.byteOffset, tags.length);
  const vendorLength = tv.getUint32(8, true);
  let off = 12 + vendorLength;
  const count = tv.getUint32(off, true);
  off += 4;
  const comments: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = tv.getUint32(off, true);
    comments.push(new TextDecoder().decode(tags.subarray(off + 4, off + 4 + len)));
    off += 4 + len;
  }
  return { seconds: Math.max(0, Number(granule) - preSkip) / 48_000, comments };
}

export function base64Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function bytesOfBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
