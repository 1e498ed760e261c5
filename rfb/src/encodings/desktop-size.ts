import type { ByteReader } from "../byte-reader.ts";

// ExtendedDesktopSize (-308) rectangle body: the screen layout after a resize.
// x carries the reason (0 server, 1 this client, 2 another client), y the
// status of a client-requested resize (0 means it succeeded).

export type ScreenLayout = { id: number; x: number; y: number; width: number; height: number; flags: number };

export async function readExtendedDesktopSize(reader: ByteReader): Promise<ScreenLayout[]> {
  const count = await reader.u8();
  await reader.skip(3);
  const screens: ScreenLayout[] = [];
  for (let i = 0; i < count; i++) {
    const b = await reader.read(16);
    const view = new DataView(b.buffer, b.byteOffset, 16);
    screens.push({
      id: view.getUint32(0),
      x: view.getUint16(4),
      y: view.getUint16(6),
      width: view.getUint16(8),
      height: view.getUint16(10),
      flags: view.getUint32(12),
    });
  }
  return screens;
}
