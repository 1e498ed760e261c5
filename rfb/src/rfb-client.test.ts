import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Encoding } from "./encoding-types.ts";
import { BACKGROUND, SCENE_HEIGHT, SCENE_PASSWORD, SCENE_WIDTH, scenePixel } from "./fixtures/scene.ts";
import { RfbClient, type RfbClientOptions } from "./rfb-client.ts";
import type { UpdateRect } from "./rfb-decoder.ts";
import { RfbError } from "./rfb-error.ts";
import { replaySocket } from "./testing/replay-socket.ts";

// Replays byte streams recorded from a real x11vnc 0.9.16 (see fixtures/README.md).
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** Connects to a recording, asks for the recorded update, and waits for the recording to end. */
async function replay(name: string, options: RfbClientOptions, region?: { x: number; y: number; width: number; height: number }, chunkSizes?: number[]) {
  const pipe = replaySocket(fixture(`${name}.server.bin`), chunkSizes ? { chunkSizes } : {});
  const client = await RfbClient.connect(pipe.socket, { ...options, autoRequestUpdates: false });
  const updates: UpdateRect[][] = [];
  client.on("update", (event) => updates.push([...event.rects]));
  await client.requestUpdate({ incremental: false, ...region });
  const ending = await client.closed;
  return { client, updates, ending, written: pipe.written() };
}

function mismatches(client: RfbClient, region = { x: 0, y: 0, width: SCENE_WIDTH, height: SCENE_HEIGHT }): string[] {
  const bad: string[] = [];
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const got = client.framebuffer.getPixel(x, y).join(",");
      const want = scenePixel(x, y).join(",");
      if (got !== want) bad.push(`${x},${y}: got ${got} want ${want}`);
    }
  }
  return bad;
}

describe("RfbClient against a recorded x11vnc session", () => {
  it("completes an RFB 3.8 handshake with VNC authentication and reports the server's size and name", async () => {
    const { client } = await replay("zrle-3.8", { password: SCENE_PASSWORD, encodings: [Encoding.ZRLE] });
    expect(client.version).toBe("3.8");
    expect([client.width, client.height]).toEqual([SCENE_WIDTH, SCENE_HEIGHT]);
    expect(client.name).toBe("vm:77");
    expect(client.serverPixelFormat).toMatchObject({ bitsPerPixel: 32, depth: 24, trueColour: true });
  });

  it("decodes every pixel of the ZRLE frame to the painted scene", async () => {
    const { client, updates, ending } = await replay("zrle-3.8", { password: SCENE_PASSWORD, encodings: [Encoding.ZRLE] });
    expect(updates).toEqual([[{ x: 0, y: 0, width: SCENE_WIDTH, height: SCENE_HEIGHT, encoding: Encoding.ZRLE }]]);
    expect(mismatches(client)).toEqual([]);
    expect(client.framebuffer.getPixel(20, 80)).toEqual(BACKGROUND);
    expect(ending?.code).toBe("connection-closed"); // the recording ends where x11vnc's bytes end
  });

  it("meets every ZRLE tile subencoding x11vnc produced for the scene", async () => {
    const { client } = await replay("zrle-3.8", { password: SCENE_PASSWORD, encodings: [Encoding.ZRLE] });
    const counts = client.zrleTileCounts;
    expect(counts.raw).toBeGreaterThan(0);
    expect(counts.solid).toBeGreaterThan(0);
    expect(counts.packedPalette).toBeGreaterThan(0);
    expect(counts.plainRle).toBeGreaterThan(0);
    expect(counts.paletteRle).toBeGreaterThan(0);
  });

  it("decodes the same frame when the bytes arrive in tiny, uneven pieces", async () => {
    const { client } = await replay("zrle-3.8", { password: SCENE_PASSWORD, encodings: [Encoding.ZRLE] }, undefined, [1, 3, 7, 2, 13, 5]);
    expect(mismatches(client)).toEqual([]);
  });

  it("sends byte for byte the messages x11vnc received in the recorded session", async () => {
    const { written } = await replay("zrle-3.8", { password: SCENE_PASSWORD, encodings: [Encoding.ZRLE] });
    expect(written).toEqual(fixture("zrle-3.8.client.bin"));
  });

  it("decodes a Raw rectangle over RFB 3.7", async () => {
    const region = { x: 48, y: 24, width: 32, height: 16 };
    const { client, updates, written } = await replay("raw-3.7", { password: SCENE_PASSWORD, maxVersion: "3.7", encodings: [Encoding.Raw] }, region);
    expect(client.version).toBe("3.7");
    // A small rectangle is compared with what it replaced: here the initial black, so all of it changed.
    expect(updates).toEqual([[{ ...region, encoding: Encoding.Raw, damage: region }]]);
    expect(mismatches(client, region)).toEqual([]);
    expect(written).toEqual(fixture("raw-3.7.client.bin"));
  });

  it("speaks RFB 3.3, where the server picks the security type", async () => {
    const region = { x: 124, y: 60, width: 8, height: 8 };
    const { client, written } = await replay("raw-3.3", { password: SCENE_PASSWORD, maxVersion: "3.3", encodings: [Encoding.Raw] }, region);
    expect(client.version).toBe("3.3");
    expect(mismatches(client, region)).toEqual([]);
    expect(written).toEqual(fixture("raw-3.3.client.bin"));
  });

  it("rejects a wrong password with auth-failed and the server's reason", async () => {
    const pipe = replaySocket(fixture("wrong-password-3.8.server.bin"));
    const failure = await RfbClient.connect(pipe.socket, { password: "wrong" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RfbError);
    expect((failure as RfbError).code).toBe("auth-failed");
    expect((failure as RfbError).message).toMatch(/rejected the password \(password check failed!\); check the desktop's VNC password/);
  });

  it("asks for a password when the server requires one and none was configured", async () => {
    const pipe = replaySocket(fixture("zrle-3.8.server.bin"));
    const failure = await RfbClient.connect(pipe.socket, {}).catch((error: unknown) => error);
    expect((failure as RfbError).code).toBe("password-required");
    expect((failure as RfbError).message).toMatch(/no password was configured/);
  });
});
