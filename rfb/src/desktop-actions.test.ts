import { afterEach, describe, expect, it, vi } from "vitest";
import { Keysym } from "./keysyms.ts";
import { MULTI_CLICK_GAP_MS } from "./pointer-buttons.ts";
import type { KeyStroke } from "./rfb-client.ts";
import { performInput, type InputConnection } from "./desktop-actions.ts";

/** A connection that records what would go to the VNC server, and when. */
function recordingConnection() {
  const pointer: { at: number; x: number; y: number; buttons: number }[] = [];
  const keys: KeyStroke[] = [];
  const connection: InputConnection = {
    width: 1280,
    height: 800,
    pointer: async (x, y, buttons = 0) => void pointer.push({ at: Date.now(), x, y, buttons }),
    keys: async (strokes) => void keys.push(...strokes),
  };
  return { connection, pointer, keys };
}

describe("performInput", () => {
  afterEach(() => void vi.useRealTimers());

  it("double-clicks through the API with a person's gap between the clicks", async () => {
    vi.useFakeTimers({ now: 0 });
    const { connection, pointer } = recordingConnection();
    const done = performInput(connection, { action: "double_click", x: 10, y: 20 });
    await vi.advanceTimersByTimeAsync(MULTI_CLICK_GAP_MS);
    await done;
    const presses = pointer.filter((p) => p.buttons === 1);
    expect(presses.map((p) => [p.x, p.y])).toEqual([[10, 20], [10, 20]]);
    expect(presses[1]!.at - presses[0]!.at).toBe(MULTI_CLICK_GAP_MS);
  });

  it("sends ctrl+shift+k with the capital K a keyboard gives with Shift held", async () => {
    const { connection, keys } = recordingConnection();
    await performInput(connection, { action: "key", keys: "ctrl+shift+k" });
    expect(keys.filter((k) => k.down).map((k) => k.keysym)).toEqual([Keysym.Control_L, Keysym.Shift_L, 0x4b]);
  });
});
