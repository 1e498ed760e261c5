import { describe, expect, it } from "vitest";
import { Encoding } from "./encoding-types.ts";
import { RfbClient, type RfbClientOptions } from "./rfb-client.ts";
import { RfbError } from "./rfb-error.ts";
import { concatBytes } from "./bytes.ts";
import { replaySocket } from "./testing/replay-socket.ts";

// Hand-built server streams for the messages a short x11vnc recording does not
// contain: bell, clipboard, colour maps, resizes, CopyRect, and broken servers.

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const s32 = (n: number) => u32(n >>> 0);

/** RFB 3.8, security None, ServerInit for a width×height 32-bit screen. */
function hello(width: number, height: number, name = "test desk"): Uint8Array {
  const format = Uint8Array.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0);
  return concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(1, 1), u32(0), u16(width), u16(height), format, u32(name.length), ascii(name)]);
}

function rectHeader(x: number, y: number, w: number, h: number, encoding: number): Uint8Array {
  return concatBytes([u16(x), u16(y), u16(w), u16(h), s32(encoding)]);
}

function update(...rects: Uint8Array[]): Uint8Array {
  return concatBytes([Uint8Array.of(0, 0), u16(rects.length), ...rects]);
}

function rawRect(x: number, y: number, w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const pixels = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) pixels.set([...rgb, 0], i * 4);
  return concatBytes([rectHeader(x, y, w, h, Encoding.Raw), pixels]);
}

async function connected(width = 4, height = 4, options: RfbClientOptions = {}) {
  const pipe = replaySocket(hello(width, height), { keepOpen: true });
  const client = await RfbClient.connect(pipe.socket, { autoRequestUpdates: false, ...options });
  return { pipe, client };
}

describe("RfbClient server messages", () => {
  it("keeps decoding after a Bell, clipboard text and a colour map", async () => {
    const { pipe, client } = await connected();
    const seen: string[] = [];
    client.on("bell", () => seen.push("bell"));
    client.on("cutText", ({ text }) => seen.push(`cut:${text}`));
    const next = client.waitForUpdate();
    pipe.push(Uint8Array.of(2));
    pipe.push(concatBytes([Uint8Array.of(3, 0, 0, 0), u32(5), Uint8Array.of(0x68, 0xe9, 0x6c, 0x6c, 0x6f)]));
    pipe.push(concatBytes([Uint8Array.of(1, 0), u16(0), u16(2), new Uint8Array(12)]));
    pipe.push(update(rawRect(1, 1, 2, 1, [200, 100, 50])));
    const event = await next;
    expect(seen).toEqual(["bell", "cut:h\u00e9llo"]);
    expect(event.rects).toEqual([{ x: 1, y: 1, width: 2, height: 1, encoding: Encoding.Raw, damage: { x: 1, y: 1, width: 2, height: 1 } }]);
    expect(client.framebuffer.getPixel(2, 1)).toEqual([200, 100, 50]);
    expect(client.framebuffer.getPixel(0, 0)).toEqual([0, 0, 0]);
  });

  it("copies a region within the framebuffer for CopyRect, even when source and target overlap", async () => {
    const { pipe, client } = await connected(4, 4);
    const first = client.waitForUpdate();
    pipe.push(update(rawRect(0, 0, 2, 1, [255, 0, 0]), rawRect(0, 1, 2, 1, [0, 255, 0])));
    await first;
    const second = client.waitForUpdate();
    pipe.push(update(concatBytes([rectHeader(0, 1, 2, 2, Encoding.CopyRect), u16(0), u16(0)])));
    await second;
    expect([0, 1, 2].map((y) => client.framebuffer.getPixel(1, y))).toEqual([[255, 0, 0], [255, 0, 0], [0, 255, 0]]);
  });

  it("reallocates the framebuffer on DesktopSize and reports the new size", async () => {
    const { pipe, client } = await connected(4, 4);
    const resized = new Promise((resolve) => client.on("resize", resolve));
    pipe.push(update(rectHeader(0, 0, 8, 2, Encoding.DesktopSize)));
    expect(await resized).toEqual({ width: 8, height: 2 });
    expect([client.width, client.height, client.framebuffer.data.length]).toEqual([8, 2, 8 * 2 * 4]);
  });

  it("treats an ExtendedDesktopSize that repeats the current size as no resize", async () => {
    const { pipe, client } = await connected(4, 4);
    const sizes: unknown[] = [];
    client.on("resize", (size) => sizes.push(size));
    const screen = concatBytes([u32(1), u16(0), u16(0), u16(4), u16(4), u32(0)]);
    const updates: number[] = [];
    const done = new Promise<void>((resolve) => client.on("update", (e) => updates.push(e.rects.length) === 2 && resolve()));
    pipe.push(update(concatBytes([rectHeader(0, 0, 4, 4, Encoding.ExtendedDesktopSize), Uint8Array.of(1, 0, 0, 0), screen])));
    // Status 3 (invalid layout) answers a failed client request: the size stays.
    pipe.push(update(concatBytes([rectHeader(1, 3, 9, 9, Encoding.ExtendedDesktopSize), Uint8Array.of(1, 0, 0, 0), screen])));
    await done;
    expect(sizes).toEqual([]);
    expect([client.width, client.height]).toEqual([4, 4]);
  });

  it("asks for a full update of the new size after a resize when it keeps updates flowing", async () => {
    const { pipe, client } = await connected(4, 4, { autoRequestUpdates: true });
    const resized = new Promise((resolve) => client.on("update", resolve));
    const screen = concatBytes([u32(1), u16(0), u16(0), u16(6), u16(3), u32(0)]);
    pipe.push(update(concatBytes([rectHeader(0, 0, 6, 3, Encoding.ExtendedDesktopSize), Uint8Array.of(1, 0, 0, 0), screen])));
    await resized;
    await new Promise((resolve) => setTimeout(resolve, 0));
    const written = pipe.written();
    // The last message: FramebufferUpdateRequest, non-incremental, 0,0 6x3.
    expect([...written.subarray(written.length - 10)]).toEqual([3, 0, 0, 0, 0, 0, 0, 6, 0, 3]);
  });

  it("says where a small rectangle really changed, null when it was resent unchanged, and leaves large ones uncompared", async () => {
    const { pipe, client } = await connected(80, 80);
    pipe.push(update(rawRect(0, 0, 32, 32, [9, 9, 9])));
    await client.waitForUpdate();
    const next = client.waitForUpdate();
    // The same tile again, then a tile where only a 1x20 column differs (a caret), then 65x64 pixels (over 4096).
    const caretTile = new Uint8Array(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 0 : 9));
    for (let row = 5; row < 25; row++) caretTile.set([0, 0, 0], (row * 32 + 7) * 4);
    pipe.push(update(rawRect(0, 0, 32, 32, [9, 9, 9]), concatBytes([rectHeader(0, 0, 32, 32, Encoding.Raw), caretTile]), rawRect(0, 0, 65, 64, [1, 2, 3])));
    expect((await next).rects).toEqual([
      { x: 0, y: 0, width: 32, height: 32, encoding: Encoding.Raw, damage: null },
      { x: 0, y: 0, width: 32, height: 32, encoding: Encoding.Raw, damage: { x: 7, y: 5, width: 1, height: 20 } },
      { x: 0, y: 0, width: 65, height: 64, encoding: Encoding.Raw },
    ]);
  });

  it("stops reading an update's rectangles at LastRect", async () => {
    const { pipe, client } = await connected(4, 4);
    const next = client.waitForUpdate();
    pipe.push(concatBytes([Uint8Array.of(0, 0), u16(0xffff), rawRect(0, 0, 1, 1, [9, 9, 9]), rectHeader(0, 0, 0, 0, Encoding.LastRect)]));
    pipe.push(update(rawRect(3, 3, 1, 1, [7, 7, 7])));
    expect((await next).rects).toHaveLength(1);
    expect((await client.waitForUpdate()).rects).toEqual([{ x: 3, y: 3, width: 1, height: 1, encoding: Encoding.Raw, damage: { x: 3, y: 3, width: 1, height: 1 } }]);
  });

  it("closes with a protocol error naming a rectangle that lies outside the screen", async () => {
    const { pipe, client } = await connected(4, 4);
    pipe.push(update(rawRect(2, 2, 4, 1, [1, 2, 3])));
    const error = await client.closed;
    expect(error?.code).toBe("protocol");
    expect(error?.message).toMatch(/Raw rectangle 4x1 at 2,2 outside the 4x4 framebuffer/);
  });

  it("closes with a protocol error on a message type it cannot skip", async () => {
    const { pipe, client } = await connected();
    pipe.push(Uint8Array.of(77));
    expect((await client.closed)?.message).toMatch(/unknown message type 77/);
  });

  it("times out waitForUpdate and ignores updates that carry no pixels", async () => {
    const { pipe, client } = await connected(4, 4);
    const waiting = client.waitForUpdate({ timeoutMs: 60 });
    pipe.push(update(rectHeader(0, 0, 4, 4, Encoding.DesktopSize)));
    const error = await waiting.catch((e: unknown) => e);
    expect((error as RfbError).code).toBe("timeout");
  });
});

describe("RfbClient handshake failures", () => {
  const failure = (bytes: Uint8Array, options: RfbClientOptions = {}) =>
    RfbClient.connect(replaySocket(bytes).socket, options).then(
      () => undefined,
      (error: unknown) => error as RfbError,
    );

  it("names both sides when the server offers none of the security types we support", async () => {
    const error = await failure(concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(2, 18, 113)]), { password: "x" });
    expect(error?.code).toBe("unsupported-security");
    expect(error?.message).toMatch(/^The VNC server offers only TLS, MSLogonII; Deskfleet supports VeNCrypt \(X509Plain, .*\), Apple Remote Desktop, VNC Authentication, None\./);
    expect(error?.security).toEqual({ offered: [18, 113] });
  });

  it("passes on the server's reason when it refuses the connection", async () => {
    const reason = "Too many security failures";
    const error = await failure(concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(0), u32(reason.length), ascii(reason)]));
    expect(error?.code).toBe("server-refused");
    expect(error?.message).toContain(reason);
  });

  it("explains that a non-VNC service answered", async () => {
    const error = await failure(ascii("HTTP/1.1 400 Bad Request\r\n\r\n"));
    expect(error?.code).toBe("unsupported-version");
    expect(error?.message).toMatch(/point at a VNC server/);
  });

  it("gives up on a server that never finishes the handshake", async () => {
    const pipe = replaySocket(ascii("RFB 003.008\n"), { keepOpen: true });
    const error = await RfbClient.connect(pipe.socket, { handshakeTimeoutMs: 50 }).then(() => undefined, (e: unknown) => e as RfbError);
    expect(error?.code).toBe("timeout");
  });

  it("answers a newer server version with 3.8", async () => {
    const bytes = hello(2, 2);
    bytes.set(ascii("RFB 004.001\n"), 0);
    const pipe = replaySocket(bytes, { keepOpen: true });
    const client = await RfbClient.connect(pipe.socket, { autoRequestUpdates: false });
    expect(client.version).toBe("3.8");
    expect(new TextDecoder().decode(pipe.written().subarray(0, 12))).toBe("RFB 003.008\n");
  });
});

describe("RfbClient input", () => {
  it("encodes pointer, key and clipboard messages as RFC 6143 lays them out", async () => {
    const { pipe, client } = await connected();
    const before = pipe.written().length;
    await client.pointer(300, 2, 0b101);
    await client.key(0xffe3, true);
    await client.clientCutText("hi");
    expect([...pipe.written().subarray(before)]).toEqual([
      5, 5, 1, 44, 0, 2,
      4, 1, 0, 0, 0, 0, 0xff, 0xe3,
      6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69,
    ]);
  });

  it("refuses to send after close() with a 'closed' error, and resolves closed without an error", async () => {
    const { client } = await connected();
    await client.close();
    expect(await client.closed).toBeUndefined();
    const error = await client.pointer(1, 1).then(() => undefined, (e: unknown) => e as RfbError);
    expect(error?.code).toBe("closed");
  });
});
