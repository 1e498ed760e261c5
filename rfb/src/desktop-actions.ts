import type { DesktopInput } from "@deskfleet/protocol";
import { comboToKeyStrokes, KeyComboError, textToKeyStrokes } from "./keysyms.ts";
import { ButtonMask, MULTI_CLICK_GAP_MS, WheelMask } from "./pointer-buttons.ts";
import type { RfbClient } from "./rfb-client.ts";
import { encodePngNative } from "./image/png.ts";
import { scaleRgba } from "./image/scale.ts";

// Screenshots and input for the API (`GET /api/desktops/:id/screenshot`,
// `POST /api/desktops/:id/input`), over any RfbClient: the host's own session,
// or one a Durable Object opens to a VNC-only desktop. Coordinates are real
// screen pixels.

export class DesktopActionError extends Error {
  readonly code: "invalid_input" | "vnc_failed";
  constructor(code: "invalid_input" | "vnc_failed", message: string) {
    super(message);
    this.code = code;
  }
}

/** The current screen as a PNG, scaled down to `width` (aspect kept) when asked. */
export async function captureScreenshot(client: RfbClient, width?: number): Promise<Uint8Array> {
  // A fresh full update, so the picture is of now and not of whatever arrived last.
  await client.waitForUpdate({ request: "full", timeoutMs: 10_000 });
  const fb = client.framebuffer;
  let image = { width: fb.width, height: fb.height, data: fb.data };
  if (width !== undefined && width < fb.width) {
    image = scaleRgba(image, { width, height: Math.max(1, Math.round((fb.height * width) / fb.width)) });
  }
  return encodePngNative({ width: image.width, height: image.height, channels: 4, data: image.data }, { dropAlpha: true });
}

/** Checks an action against the screen before anything is sent, so a bad request changes nothing. */
export function validateInput(input: DesktopInput, screen: { width: number; height: number }): void {
  if ("x" in input && (input.x >= screen.width || input.y >= screen.height)) {
    throw new DesktopActionError("invalid_input", `(${input.x}, ${input.y}) is outside the ${screen.width}x${screen.height} screen`);
  }
  try {
    if (input.action === "key") comboToKeyStrokes(input.keys);
    if (input.action === "type") textToKeyStrokes(input.text);
  } catch (error) {
    if (error instanceof KeyComboError) throw new DesktopActionError("invalid_input", error.message);
    throw error;
  }
}

/** What input needs of an RFB connection; `RfbClient` fits as is. */
export type InputConnection = Pick<RfbClient, "width" | "height" | "pointer" | "keys">;

export async function performInput(client: InputConnection, input: DesktopInput): Promise<void> {
  validateInput(input, { width: client.width, height: client.height });
  const click = async (x: number, y: number, mask: number) => {
    await client.pointer(x, y, 0);
    await client.pointer(x, y, mask);
    await client.pointer(x, y, 0);
  };
  switch (input.action) {
    case "move":
      return client.pointer(input.x, input.y, 0);
    case "click":
      return click(input.x, input.y, ButtonMask.left);
    case "double_click":
      await click(input.x, input.y, ButtonMask.left);
      await new Promise((resolve) => setTimeout(resolve, MULTI_CLICK_GAP_MS));
      return click(input.x, input.y, ButtonMask.left);
    case "right_click":
      return click(input.x, input.y, ButtonMask.right);
    case "scroll":
      await client.pointer(input.x, input.y, 0);
      for (let i = 0; i < input.amount; i++) {
        await client.pointer(input.x, input.y, WheelMask[input.direction]);
        await client.pointer(input.x, input.y, 0);
      }
      return;
    case "key":
      return client.keys(comboToKeyStrokes(input.keys));
    case "type":
      return client.keys(textToKeyStrokes(input.text));
  }
}

/** Pause after moving focus (Tab) before typing into the next field: lock screens move focus asynchronously. */
const FOCUS_GAP_MS = 150;

/**
 * Types a credential into a lock screen or login prompt: the username and Tab
 * when given, the credential, then Return. Never echoes either in an error.
 */
export async function performUnlock(client: InputConnection, unlock: { username?: string | undefined; credential: string }): Promise<void> {
  let strokes: { username: ReturnType<typeof textToKeyStrokes> | null; credential: ReturnType<typeof textToKeyStrokes> };
  try {
    strokes = { username: unlock.username === undefined ? null : textToKeyStrokes(unlock.username), credential: textToKeyStrokes(unlock.credential) };
  } catch (error) {
    if (error instanceof KeyComboError) throw new DesktopActionError("invalid_input", "the credential holds a character that cannot be typed as a key (a control character)");
    throw error;
  }
  if (strokes.username) {
    await client.keys(strokes.username);
    await client.keys(comboToKeyStrokes("Tab"));
    await new Promise((resolve) => setTimeout(resolve, FOCUS_GAP_MS));
  }
  await client.keys(strokes.credential);
  await client.keys(comboToKeyStrokes("Return"));
}
