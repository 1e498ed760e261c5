/**
 * Follows a viewer's client-to-server RFB stream (RFC 6143 §7.1–7.5, plus the
 * extensions noVNC speaks) across arbitrary WebSocket frame boundaries, and
 * drops the messages that act on the desktop unless the viewer holds the
 * control lease. RFB has no framing, so every message must be measured to find
 * the next: an unknown message type cannot be skipped and ends the session.
 */

import { concatBytes } from "@deskfleet/rfb/bytes";
import { measureClientMessage, UnknownClientMessage } from "@deskfleet/rfb/client-message-size";

export type FilterResult = {
  /** The bytes to forward, in order. Empty when everything was dropped or is still incomplete. */
  forward: Uint8Array;
  /** Input messages that passed (the lease holder's activity). */
  inputPassed: number;
  /** Input messages dropped (a view-only viewer tried to act). */
  inputDropped: number;
  /** The input messages that passed, whole (pointer and key events: what a demonstration records); long ones (clipboard) are left out. */
  inputMessages: Uint8Array[];
};

export class ClientStreamError extends Error {}

type Stage = "version" | "security" | "clientInit" | "messages";

/** Messages that change the desktop: pointer, keys, clipboard, resize, power and GII (and QEMU key events, by subtype). */
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
    const inputMessages: Uint8Array[] = [];
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
      if (pass) {
        const message = this.#head.slice(0, this.#headLength);
        out.push(message);
        if (need.input) inputMessages.push(message);
      }
      this.#complete();
    }
    // One part (the common case: a frame of whole messages) is forwarded as is, without a copy.
    return { forward: out.length === 1 ? out[0]! : concatBytes(out), inputPassed, inputDropped, inputMessages };
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
    let total: number | "more";
    try {
      total = measureClientMessage(h, n);
    } catch (error) {
      if (error instanceof UnknownClientMessage) throw new ClientStreamError(error.message);
      throw error;
    }
    if (total === "more") return "more";
    const input = INPUT_TYPES.has(h[0]!) || (h[0] === 255 && h[1] === 0); // QEMU subtype 0: an extended key event
    return { total, input, ...(total > COLLECT_LIMIT && { stream: true }) };
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
