import type { ByteReader } from "./byte-reader.ts";
import * as msg from "./client-messages.ts";
import { DEFAULT_ENCODINGS } from "./encoding-types.ts";
import type { ZrleStats } from "./encodings/zrle.ts";
import { EventListeners } from "./event-listeners.ts";
import { Framebuffer } from "./framebuffer.ts";
import { RGBX_LITTLE_ENDIAN, type PixelFormat } from "./pixel-format.ts";
import { carriesPixels, RfbDecoder, type UpdateRect } from "./rfb-decoder.ts";
import { RfbError } from "./rfb-error.ts";
import { performHandshake, type HandshakeOptions, type HandshakeResult, type ProtocolVersion } from "./rfb-handshake.ts";
import type { RfbSocket } from "./rfb-socket.ts";
import { RfbStream } from "./rfb-stream.ts";

export { carriesPixels, type UpdateRect } from "./rfb-decoder.ts";

export type { RfbSocket, TlsCapability, TlsMode } from "./rfb-socket.ts";

export type RfbClientOptions = HandshakeOptions & {
  /** Encodings to offer, most preferred first. Default ZRLE, CopyRect, Raw + resize pseudo-encodings. */
  encodings?: readonly number[];
  /** Keep one incremental update request outstanding, as viewers do. Default true. */
  autoRequestUpdates?: boolean;
  /** Give up on a server that has not finished the handshake by then. Default 10 s. */
  handshakeTimeoutMs?: number;
};

export type UpdateEvent = {
  rects: readonly UpdateRect[];
  /** Epoch milliseconds when the update was fully applied to the framebuffer. */
  receivedAt: number;
};

export type RfbEvents = {
  update: UpdateEvent;
  resize: { width: number; height: number };
  bell: Record<string, never>;
  cutText: { text: string };
  close: { error?: RfbError };
};

export type KeyStroke = { keysym: number; down: boolean };

export class RfbClient {
  readonly framebuffer: Framebuffer;
  readonly name: string;
  readonly version: ProtocolVersion;
  /** The format the server announced before we switched it to RGBX. */
  readonly serverPixelFormat: PixelFormat;
  /** The security types the server offered and the method used (e.g. VeNCrypt X509Vnc). */
  readonly security: HandshakeResult["security"];
  /** Resolves once the connection is over: undefined after close(), the error otherwise. Never rejects. */
  readonly closed: Promise<RfbError | undefined>;

  readonly #socket: RfbSocket;
  readonly #reader: ByteReader;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #decoder: RfbDecoder;
  readonly #events = new EventListeners<RfbEvents>();
  readonly #autoRequest: boolean;
  #resolveClosed!: (error: RfbError | undefined) => void;
  #closeError: RfbError | undefined;
  #isClosed = false;

  /** Runs the handshake over `socket` and starts reading server messages. */
  static async connect(socket: RfbSocket, options: RfbClientOptions = {}): Promise<RfbClient> {
    const stream = new RfbStream(socket);
    const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RfbError("timeout", `The VNC server did not finish the handshake within ${timeoutMs} ms; check the address and that nothing else holds the port.`)),
        timeoutMs,
      );
    });
    try {
      const init = await Promise.race([performHandshake(stream, options), timeout]);
      // VeNCrypt may have moved the connection onto TLS: read and write through whatever it ended on.
      const client = new RfbClient(stream.socket, stream.reader, stream.writer, init, options);
      await client.#start(options.encodings ?? DEFAULT_ENCODINGS);
      return client;
    } catch (error) {
      await stream.close(error);
      throw toRfbError(error);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private constructor(
    socket: RfbSocket,
    reader: ByteReader,
    writer: WritableStreamDefaultWriter<Uint8Array>,
    init: HandshakeResult,
    options: RfbClientOptions,
  ) {
    this.#socket = socket;
    this.#reader = reader;
    this.#writer = writer;
    this.framebuffer = new Framebuffer(init.width, init.height);
    this.name = init.name;
    this.version = init.version;
    this.serverPixelFormat = init.pixelFormat;
    this.security = init.security;
    this.#autoRequest = options.autoRequestUpdates ?? true;
    this.#decoder = new RfbDecoder(reader, this.framebuffer);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  get width(): number {
    return this.framebuffer.width;
  }

  get height(): number {
    return this.framebuffer.height;
  }

  /** How many ZRLE tiles of each subencoding were decoded: shows what a server actually sends. */
  get zrleTileCounts(): Readonly<ZrleStats> {
    return this.#decoder.zrleStats;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  on<K extends keyof RfbEvents>(name: K, listener: (event: RfbEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Asks for the whole screen (or a region); incremental requests are answered only when something changed. */
  requestUpdate(options: { incremental?: boolean; x?: number; y?: number; width?: number; height?: number } = {}): Promise<void> {
    const x = options.x ?? 0;
    const y = options.y ?? 0;
    return this.#send(
      msg.framebufferUpdateRequest(options.incremental ?? true, x, y, options.width ?? this.width - x, options.height ?? this.height - y),
    );
  }

  /**
   * Resolves with the next FramebufferUpdate that changed pixels, optionally
   * requesting one first. Updates carrying only pseudo-rectangles (a repeated
   * ExtendedDesktopSize, say) are skipped: they say nothing about the screen.
   */
  waitForUpdate(options: { timeoutMs?: number; request?: "incremental" | "full" | "none" } = {}): Promise<UpdateEvent> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    if (this.#isClosed) return Promise.reject(this.#closeError ?? closedError());
    return new Promise<UpdateEvent>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        offUpdate();
        offClose();
      };
      const timer = setTimeout(() => {
        done();
        reject(new RfbError("timeout", `No framebuffer update arrived within ${timeoutMs} ms.`));
      }, timeoutMs);
      const offUpdate = this.on("update", (event) => {
        if (!event.rects.some(carriesPixels)) return;
        done();
        resolve(event);
      });
      const offClose = this.on("close", ({ error }) => {
        done();
        reject(error ?? closedError());
      });
      const request = options.request ?? "none";
      if (request !== "none") this.requestUpdate({ incremental: request === "incremental" }).catch(() => undefined);
    });
  }

  /** Moves the pointer to (x, y) with the given buttons held (bit 0 left, 1 middle, 2 right, 3/4 wheel). */
  pointer(x: number, y: number, buttonMask = 0): Promise<void> {
    return this.#send(msg.pointerEvent(x, y, buttonMask));
  }

  key(keysym: number, down: boolean): Promise<void> {
    return this.#send(msg.keyEvent(keysym, down));
  }

  /** Sends key presses and releases in order, e.g. the output of `comboToKeyStrokes`. */
  async keys(strokes: readonly KeyStroke[]): Promise<void> {
    for (const stroke of strokes) await this.key(stroke.keysym, stroke.down);
  }

  clientCutText(text: string): Promise<void> {
    return this.#send(msg.clientCutText(text));
  }

  async close(): Promise<void> {
    await this.#finish(undefined);
  }

  async #start(encodings: readonly number[]): Promise<void> {
    await this.#send(msg.setPixelFormat(RGBX_LITTLE_ENDIAN));
    await this.#send(msg.setEncodings(encodings));
    if (this.#autoRequest) await this.requestUpdate({ incremental: false });
    void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    try {
      while (!this.#isClosed) {
        const message = await this.#decoder.next();
        if (this.#isClosed) return;
        if (message.type === "update") {
          if (this.#autoRequest) void this.requestUpdate({ incremental: !message.resize }).catch(() => undefined);
          if (message.resize) this.#events.emit("resize", { width: message.resize.width, height: message.resize.height });
          this.#events.emit("update", { rects: message.rects, receivedAt: Date.now() });
        } else if (message.type === "bell") {
          this.#events.emit("bell", {});
        } else if (message.type === "cutText") {
          this.#events.emit("cutText", { text: message.text });
        }
      }
    } catch (error) {
      await this.#finish(toRfbError(error));
    }
  }

  async #send(bytes: Uint8Array): Promise<void> {
    if (this.#isClosed) throw this.#closeError ?? closedError();
    try {
      await this.#writer.write(bytes);
    } catch (error) {
      const failure = new RfbError("connection-closed", `Writing to the VNC server failed: ${String(error)}`, { cause: error });
      await this.#finish(failure);
      throw failure;
    }
  }

  async #finish(error: RfbError | undefined): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closeError = error;
    await this.#reader.cancel(error);
    // Not awaited: a peer that stopped reading must not keep close() pending.
    void this.#writer.close().catch(() => undefined);
    await this.#socket.close?.();
    this.#events.emit("close", error ? { error } : {});
    this.#events.clear();
    this.#resolveClosed(error);
  }
}

function closedError(): RfbError {
  return new RfbError("closed", "The VNC client was closed; connect again to continue.");
}

function toRfbError(error: unknown): RfbError {
  if (error instanceof RfbError) return error;
  return new RfbError("protocol", `Unexpected failure in the VNC client: ${String(error)}`, { cause: error });
}
