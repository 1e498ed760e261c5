import { createServer, type Socket } from "node:net";

export type FakeVncServer = {
  port: number;
  /** Pointer events clients sent: [x, y, buttonMask]. */
  pointer: [number, number, number][];
  close(): Promise<void>;
};

/**
 * A VNC server small enough to read in one go, for tests without an X
 * desktop: RFB 3.8, security None, one solid-grey screen that never changes,
 * sent as a Raw rectangle in the client's pixel format whenever it asks for
 * the whole screen; it records pointer events and ignores the rest.
 */
export async function startFakeVncServer(size = { width: 64, height: 48 }, name = "fake-vnc"): Promise<FakeVncServer> {
  const pointer: [number, number, number][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    serve(socket, size, name, pointer);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    port: (server.address() as { port: number }).port,
    pointer,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

function serve(socket: Socket, size: { width: number; height: number }, name: string, pointer: [number, number, number][]): void {
  let buf = Buffer.alloc(0);
  let stage: "version" | "security" | "init" | "messages" = "version";
  let bytesPerPixel = 4;
  socket.write("RFB 003.008\n");
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const used = step();
      if (used === 0) return;
      buf = buf.subarray(used);
    }
  });

  /** Handles one whole client message at the front of the buffer; returns its length, or 0 to wait for more. */
  function step(): number {
    if (stage === "version") {
      if (buf.length < 12) return 0;
      stage = "security";
      socket.write(Buffer.from([1, 1])); // one security type: None
      return 12;
    }
    if (stage === "security") {
      if (buf.length < 1) return 0;
      stage = "init";
      socket.write(Buffer.alloc(4)); // SecurityResult OK
      return 1;
    }
    if (stage === "init") {
      if (buf.length < 1) return 0;
      stage = "messages";
      const init = Buffer.alloc(24 + name.length);
      init.writeUInt16BE(size.width, 0);
      init.writeUInt16BE(size.height, 2);
      // 32 bpp, depth 24, little-endian, true colour, max 255 each, shifts 16/8/0.
      Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]).copy(init, 4);
      init.writeUInt32BE(name.length, 20);
      init.write(name, 24, "latin1");
      socket.write(init);
      return 1;
    }
    if (buf.length < 1) return 0;
    const type = buf[0];
    if (type === 0) {
      if (buf.length < 20) return 0;
      bytesPerPixel = buf[4]! / 8; // SetPixelFormat: bits per pixel
      return 20;
    }
    if (type === 2) {
      if (buf.length < 4) return 0;
      const length = 4 + 4 * buf.readUInt16BE(2); // SetEncodings
      return buf.length < length ? 0 : length;
    }
    if (type === 3) {
      if (buf.length < 10) return 0;
      // FramebufferUpdateRequest: the whole screen when asked for it; an incremental one
      // waits for a change, and this screen never changes.
      if (buf[1] === 0) sendFrame();
      return 10;
    }
    if (type === 4) return buf.length < 8 ? 0 : 8; // KeyEvent
    if (type === 5) {
      if (buf.length < 6) return 0;
      pointer.push([buf.readUInt16BE(2), buf.readUInt16BE(4), buf[1]!]);
      return 6;
    }
    if (type === 6) {
      if (buf.length < 8) return 0;
      const length = 8 + buf.readUInt32BE(4); // ClientCutText
      return buf.length < length ? 0 : length;
    }
    socket.destroy(); // a message this server does not know: its length is unknown
    return 0;
  }

  function sendFrame(): void {
    const header = Buffer.alloc(16);
    header[0] = 0; // FramebufferUpdate
    header.writeUInt16BE(1, 2);
    header.writeUInt16BE(size.width, 8);
    header.writeUInt16BE(size.height, 10);
    header.writeInt32BE(0, 12); // Raw
    socket.write(Buffer.concat([header, Buffer.alloc(size.width * size.height * bytesPerPixel, 0x80)]));
  }
}
