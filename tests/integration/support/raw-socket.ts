import { SELF } from "cloudflare:test";
import { concatBytes } from "@deskfleet/rfb/bytes";

/** A WebSocket through the real Worker that records binary frames and its close, for relay tests. */
export class RawSocket {
  readonly ws: WebSocket | null;
  readonly status: number;
  readonly frames: Uint8Array[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(ws: WebSocket | null, status: number) {
    this.ws = ws;
    this.status = status;
    if (!ws) return;
    ws.accept();
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (ev) => {
      this.frames.push(typeof ev.data === "string" ? new TextEncoder().encode(ev.data) : new Uint8Array(ev.data as ArrayBuffer));
    });
    ws.addEventListener("close", (ev) => {
      this.closed = { code: ev.code, reason: ev.reason };
    });
  }

  static async open(path: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    const res = await SELF.fetch(`https://deskfleet.test${path}`, { headers: { upgrade: "websocket", ...headers } });
    return new RawSocket(res.webSocket ?? null, res.status);
  }

  send(bytes: Uint8Array | string): void {
    this.ws!.send(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  }

  /** Everything received so far, joined. */
  bytes(): Uint8Array {
    return concatBytes(this.frames);
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  async waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.text())}, closed ${JSON.stringify(this.closed)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await this.waitFor(() => this.closed !== null, "close", timeoutMs);
    return this.closed!;
  }

  close(): void {
    try {
      this.ws?.close(1000, "done");
    } catch {
      // already closed
    }
  }
}
