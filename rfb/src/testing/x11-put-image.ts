import { connect } from "node:net";

// Paints RGB pixels onto the root window of an X display with core X11
// PutImage requests. Only for fixtures and live tests: it lets us draw a scene
// whose every pixel we know, without an image tool that may not be installed.

export type Paint = { x: number; y: number; width: number; height: number; pixel: (x: number, y: number) => [number, number, number] };

export async function paintRoot(display: number, paints: readonly Paint[]): Promise<void> {
  const socket = connect(`/tmp/.X11-unix/X${display}`);
  const incoming: Buffer[] = [];
  let waiter: (() => void) | undefined;
  socket.on("data", (chunk) => {
    incoming.push(chunk);
    waiter?.();
  });
  const read = async (n: number): Promise<Buffer> => {
    while (Buffer.concat(incoming).length < n) await new Promise<void>((resolve) => (waiter = resolve));
    const all = Buffer.concat(incoming);
    incoming.length = 0;
    incoming.push(all.subarray(n));
    return all.subarray(0, n);
  };
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  try {
    // Connection setup, little-endian ("l"), protocol 11.0, no authorisation (Xvfb allows local clients).
    socket.write(Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const head = await read(8);
    if (head[0] !== 1) throw new Error(`X server refused the connection (status ${head[0]})`);
    const setup = await read(head.readUInt16LE(6) * 4);
    const idBase = setup.readUInt32LE(4);
    const vendorLength = setup.readUInt16LE(16);
    const formats = setup[21]!;
    if (setup[22] !== 0) throw new Error("X server uses big-endian images; this helper only writes little-endian pixels");
    const root = setup.readUInt32LE(32 + Math.ceil(vendorLength / 4) * 4 + 8 * formats);
    const gc = idBase | 1;

    const createGc = Buffer.alloc(16);
    createGc.writeUInt8(55, 0); // CreateGC
    createGc.writeUInt16LE(4, 2);
    createGc.writeUInt32LE(gc, 4);
    createGc.writeUInt32LE(root, 8);
    socket.write(createGc);

    for (const paint of paints) {
      const data = Buffer.alloc(paint.width * paint.height * 4);
      for (let y = 0; y < paint.height; y++) {
        for (let x = 0; x < paint.width; x++) {
          const [r, g, b] = paint.pixel(paint.x + x, paint.y + y);
          data.writeUInt32LE((r << 16) | (g << 8) | b, (y * paint.width + x) * 4); // depth-24 ZPixmap word
        }
      }
      const request = Buffer.alloc(24);
      request.writeUInt8(72, 0); // PutImage
      request.writeUInt8(2, 1); // ZPixmap
      request.writeUInt16LE(6 + data.length / 4, 2);
      request.writeUInt32LE(root, 4);
      request.writeUInt32LE(gc, 8);
      request.writeUInt16LE(paint.width, 12);
      request.writeUInt16LE(paint.height, 14);
      request.writeInt16LE(paint.x, 16);
      request.writeInt16LE(paint.y, 18);
      request.writeUInt8(24, 21); // depth
      socket.write(Buffer.concat([request, data]));
    }
    // GetInputFocus round trip: its reply proves every request before it was processed.
    socket.write(Buffer.from([43, 0, 1, 0]));
    const reply = await read(32);
    if (reply[0] !== 1) throw new Error(`X server reported error code ${reply[1]} while painting`);
  } finally {
    socket.destroy();
  }
}
