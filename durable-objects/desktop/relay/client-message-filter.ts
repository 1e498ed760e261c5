/**
 * Follows a viewer's client-to-server RFB stream (RFC 6143 §7.1–7.5, plus the
 * extensions noVNC speaks) across arbitrary WebSocket frame boundaries, and
 * drops the messages that act on the desktop unless the viewer holds the
 * control lease. RFB has no framing, so every message must be measured to find
 * the next: an unknown message type cannot be skipped and ends the session.
 */

export type FilterResult = {
  /** The bytes to forward, in order. Empty when everything was dropped or is still incomplete. */
  forward: Uint8Array;
  /** Input messages that passed (the lease holder's activity). */
  inputPassed: number;
  /** Input messages dropped (a view-only viewer tried to act). */
  inputDropped: number;
};

export class ClientStreamError extends Error {}

type Stage = "version" | "security" | "clientInit" | "messages";

/** Messages that change the desktop: pointer, keys, clipboard, resize, power, GII and QEMU key events. */
const INPUT_TYPES = new Set([4, 5, 6, 250, 251, 253]);

/** Whole messages up to this size are collected before deciding; longer ones (clipboard) stream through. */
const COLLECT_LIMIT = 4096;

export class ClientMessageFilter {
  #stage: Stage;
  #version: "3.3" | "3.7" | "3.8" | null = null;
  /** The current message's bytes so far (only while collecting). */
  #head = new Uint8Array(COLLECT_LIMIT + 16);
  #headLength = 0;
  /** Bytes of a long message still to stream through (forward) or skip (drop). */
  #remaining = 0;
  #remainingForward = true;

  /** `handshakeDone` resumes after a hibernation: the viewer is already past ClientInit. */
  constructor(options: { handshakeDone?: boolean } = {}) {
    this.#stage = options.handshakeDone ? "messages" : "version";
  }

  get handshakeDone(): boolean {
    return this.#stage === "messages";
  }

  /** The RFB version the viewer asked for, once it has. */
  get version(): string | null {
    return this.#version;
  }

  push(chunk: Uint8Array, allowInput: boolean): FilterResult {
    const out: Uint8Array[] = [];
    let inputPassed = 0;
    let inputDropped = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - i);
        if (this.#remainingForward) out.push(chunk.subarray(i, i + take));
        this.#remaining -= take;
        i += take;
        continue;
      }
      this.#head[this.#headLength++] = chunk[i++]!;
      const need = this.#measure();
      if (need === "more") continue;
      if (need.stream) {
        // A long message: decide now, send its header, stream the rest.
        const isInput = need.input;
        const pass = !isInput || allowInput;
        if (isInput) pass ? inputPassed++ : inputDropped++;
        if (pass) out.push(this.#head.slice(0, this.#headLength));
        this.#remaining = need.total - this.#headLength;
        this.#remainingForward = pass;
        this.#headLength = 0;
        continue;
      }
      if (this.#headLength < need.total) continue;
      const pass = !need.input || allowInput;
      if (need.input) pass ? inputPassed++ : inputDropped++;
      if (pass) out.push(this.#head.slice(0, this.#headLength));
      this.#complete();
    }
    return { forward: concat(out), inputPassed, inputDropped };
  }

  /** How long the message being collected is, once its header says so. */
  #measure(): "more" | { total: number; input: boolean; stream?: boolean } {
    const h = this.#head;
    const n = this.#headLength;
    switch (this.#stage) {
      case "version":
        if (n < 12) return "more";
        this.#version = parseVersion(h.subarray(0, 12));
        return { total: 12, input: false };
      case "security":
      case "clientInit":
        return { total: 1, input: false };
      case "messages":
        break;
    }
    const type = h[0]!;
    const fixed = (total: number) => ({ total, input: INPUT_TYPES.has(type) });
    const u16 = (at: number) => (h[at]! << 8) | h[at + 1]!;
    switch (type) {
      case 0: // SetPixelFormat
        return fixed(20);
      case 2: // SetEncodings
        return n < 4 ? "more" : this.#sized(4 + 4 * u16(2), false);
      case 3: // FramebufferUpdateRequest
        return fixed(10);
      case 4: // KeyEvent
        return fixed(8);
      case 5: // PointerEvent
        return fixed(6);
      case 6: {
        // ClientCutText; a negative length is the Extended Clipboard form, |length| bytes either way
        if (n < 8) return "more";
        const length = new DataView(h.buffer, h.byteOffset + 4, 4).getInt32(0);
        return this.#sized(8 + Math.abs(length), true);
      }
      case 150: // EnableContinuousUpdates
        return fixed(10);
      case 248: // ClientFence: 3 padding, u32 flags, u8 length, payload
        return n < 9 ? "more" : fixed(9 + h[8]!);
      case 250: // xvp (shutdown, reboot)
        return fixed(4);
      case 251: // SetDesktopSize: padding, u16 w, u16 h, u8 screens, padding, 16 bytes a screen
        return n < 8 ? "more" : fixed(8 + 16 * h[6]!);
      case 253: // GII: u8 endian+subtype, u16 length of the rest
        return n < 4 ? "more" : this.#sized(4 + u16(2), true);
      case 255: {
        // QEMU: subtype 0 is an extended key event (input); 1 is audio (op 2 carries a format)
        if (n < 2) return "more";
        if (h[1] === 0) return { total: 12, input: true };
        if (h[1] === 1) return n < 4 ? "more" : { total: u16(2) === 2 ? 10 : 4, input: false };
        throw new ClientStreamError(`unsupported QEMU client message subtype ${h[1]}`);
      }
      default:
        throw new ClientStreamError(`unsupported client message type ${type}; the relay cannot find where it ends`);
    }
  }

  #sized(total: number, input: boolean): { total: number; input: boolean; stream?: boolean } {
    return total > COLLECT_LIMIT ? { total, input, stream: true } : { total, input };
  }

  #complete(): void {
    this.#headLength = 0;
    if (this.#stage === "version") this.#stage = this.#version === "3.3" ? "clientInit" : "security";
    else if (this.#stage === "security") this.#stage = "clientInit";
    else if (this.#stage === "clientInit") this.#stage = "messages";
  }
}

function parseVersion(bytes: Uint8Array): "3.3" | "3.7" | "3.8" {
  const text = String.fromCharCode(...bytes);
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!m) throw new ClientStreamError(`the viewer did not start with an RFB version (got ${JSON.stringify(text)})`);
  const minor = Number(m[2]);
  return Number(m[1]) > 3 || minor >= 8 ? "3.8" : minor === 7 ? "3.7" : "3.3";
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
