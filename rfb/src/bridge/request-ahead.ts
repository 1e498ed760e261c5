import { CLIENT_MESSAGE_HEADER_MAX, measureClientMessage, UnknownClientMessage } from "../client-message-size.ts";

/**
 * Asks the VNC server for the viewer's next update while the current one is
 * still on its way through the relay.
 *
 * A viewer keeps one FramebufferUpdateRequest in flight: it asks again only
 * once an update has fully arrived. Through the relay an update reaches the
 * viewer tens of milliseconds later than the server sent it, and the server
 * waits all that time for the next request: on a busy screen that is the
 * relay's whole throughput gap (measured: 0.77 of websockify without this,
 * 0.95 with it, through `wrangler dev`). So once the server's bytes pause (an
 * update has left it), we send the server a copy of the viewer's latest
 * request, made incremental.
 *
 * Bounded like the viewer's own flow control: at most one added request per
 * request of the viewer, so a slow viewer still paces the stream (at most one
 * update more in flight than it asked for). A server merges requests it holds,
 * so an early one costs nothing. Added requests go in only between the
 * viewer's messages, never after a pixel format or encoding change until the
 * viewer has asked again, and not at all once the viewer speaks a message we
 * cannot measure or turns on continuous updates (the server then pushes by
 * itself).
 */
export type RequestAheadOptions = {
  /** The server's bytes must pause this long before we ask ahead. Default 2 ms. */
  idleMs?: number;
  setTimer?: (ms: number, callback: () => void) => () => void;
};

const SET_PIXEL_FORMAT = 0;
const SET_ENCODINGS = 2;
const FRAMEBUFFER_UPDATE_REQUEST = 3;
const ENABLE_CONTINUOUS_UPDATES = 150;

export class RequestAhead {
  readonly #send: (request: Uint8Array) => void;
  readonly #idleMs: number;
  readonly #setTimer: (ms: number, callback: () => void) => () => void;
  /** The message being read: its first bytes, its length once known, how many bytes of it we have seen. */
  readonly #head = new Uint8Array(Math.max(CLIENT_MESSAGE_HEADER_MAX, 10));
  #total: number | null = null;
  #seen = 0;
  /** The viewer's latest request, as an incremental one. */
  #request: Uint8Array | null = null;
  /** One added request is allowed since the viewer's latest request. */
  #allowed = false;
  /** The server paused while the viewer was mid-message: ask once the message is through. */
  #due = false;
  #off = false;
  #cancelTimer: (() => void) | null = null;
  /** Requests added so far (tests read it). */
  added = 0;

  /** `send` must queue the bytes after everything already forwarded to the server. */
  constructor(send: (request: Uint8Array) => void, options: RequestAheadOptions = {}) {
    this.#send = send;
    this.#idleMs = options.idleMs ?? 2;
    this.#setTimer =
      options.setTimer ??
      ((ms, callback) => {
        const handle = setTimeout(callback, ms);
        return () => clearTimeout(handle);
      });
  }

  /** The viewer's bytes, after the handshake, just after they were queued to the server. */
  viewerBytes(chunk: Uint8Array): void {
    if (this.#off) return;
    try {
      for (let i = 0; i < chunk.length; ) {
        if (this.#total !== null && this.#seen >= this.#head.length) {
          // A long message's body: skip it.
          const take = Math.min(this.#total - this.#seen, chunk.length - i);
          this.#seen += take;
          i += take;
        } else {
          this.#head[this.#seen++] = chunk[i++]!;
          if (this.#total === null) {
            const total = measureClientMessage(this.#head, this.#seen);
            if (total !== "more") this.#total = total;
          }
        }
        if (this.#total !== null && this.#seen >= this.#total) this.#message();
      }
    } catch (error) {
      if (!(error instanceof UnknownClientMessage)) throw error;
      this.close(); // we cannot find message boundaries any more: forward only
      return;
    }
    if (this.#due && this.#total === null) this.#ask();
  }

  /** Some of the server's bytes went to the viewer: ask ahead once they pause. */
  serverBytes(): void {
    if (this.#off || !this.#allowed) return;
    this.#cancelTimer?.();
    this.#cancelTimer = this.#setTimer(this.#idleMs, () => {
      this.#cancelTimer = null;
      if (this.#total === null) this.#ask();
      else this.#due = true;
    });
  }

  close(): void {
    this.#off = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  #message(): void {
    const type = this.#head[0];
    if (type === FRAMEBUFFER_UPDATE_REQUEST) {
      const request = this.#head.slice(0, 10);
      request[1] = 1; // incremental: the viewer already has what it asked for before
      this.#request = request;
      this.#allowed = true;
    } else if (type === SET_PIXEL_FORMAT || type === SET_ENCODINGS) {
      // Updates asked for after this must be in the new format: leave asking to the viewer until it asks again.
      this.#allowed = false;
      this.#due = false;
    } else if (type === ENABLE_CONTINUOUS_UPDATES) {
      this.close();
    }
    this.#total = null;
    this.#seen = 0;
  }

  #ask(): void {
    this.#due = false;
    if (this.#off || !this.#allowed || this.#request === null) return;
    this.#allowed = false;
    this.added++;
    this.#send(this.#request);
  }
}
