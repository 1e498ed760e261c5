import { RfbError } from "@deskfleet/rfb/rfb-error";
import { bridge, openUpstream } from "@deskfleet/rfb/bridge/rfb-bridge";
import { dialVnc } from "./dial-vnc.ts";
import { handshakeOptions, type VncTarget } from "./vnc-target.ts";
import { withoutAddresses } from "@deskfleet/rfb/vnc-errors";

export type DirectEnd = { code: "closed" | "failed"; reason: string };

/**
 * A viewer of a VNC-only desktop, served by the Durable Object itself: the
 * same bridge the host runs (authenticate upstream, greet the viewer with
 * security None, splice), fed by the viewer socket's messages.
 */
export class DirectSession {
  readonly #viewerBytes: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #ready = false;

  constructor() {
    this.#viewerBytes = new ReadableStream<Uint8Array>({ start: (c) => void (this.#controller = c) });
  }

  /** True once the VNC server accepted us: the viewer is paired. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Connects and serves until either side ends; never rejects. */
  async run(target: VncTarget, send: (bytes: Uint8Array) => void, onReady: () => void): Promise<DirectEnd> {
    try {
      const upstream = await openUpstream(await dialVnc(target.address), handshakeOptions(target));
      this.#ready = true;
      onReady();
      await bridge(upstream, { readable: this.#viewerBytes, send });
      return { code: "closed", reason: "the VNC server closed the connection" };
    } catch (error) {
      const reason = error instanceof RfbError ? error.message : `the VNC connection failed: ${String(error)}`;
      return { code: "failed", reason: withoutAddresses(reason) };
    }
  }

  /** The viewer's (filtered) bytes, in order; buffered by the stream until the bridge reads them. */
  write(bytes: Uint8Array): void {
    try {
      this.#controller.enqueue(bytes);
    } catch {
      // the session is over
    }
  }

  close(): void {
    try {
      this.#controller.close();
    } catch {
      // already closed
    }
  }
}
