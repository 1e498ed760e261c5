import type { DesktopRequest } from "@deskfleet/protocol";
import { captureScreenshot, DesktopActionError, performInput, performUnlock } from "@deskfleet/rfb/desktop-actions";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { RfbError } from "@deskfleet/rfb/rfb-error";
import type { DesktopResult } from "./pending-requests.ts";
import { getDesktop } from "../../db/desktops.ts";
import { dialVnc } from "./relay/dial-vnc.ts";
import { handshakeOptions, vncTarget, type VncTarget } from "./relay/vnc-target.ts";
import { withoutAddresses } from "@deskfleet/rfb/vnc-errors";

/**
 * Screenshots and input for a desktop without a host: this object opens its
 * own RFB session (the host's RFB code, over `connect()` or a WebSocket),
 * does the one thing and closes it.
 */
export async function directRequest(target: VncTarget, request: DesktopRequest): Promise<DesktopResult> {
  let client: RfbClient | null = null;
  try {
    // Input asks for no screen updates, so the one it asks for at the end answers that request alone.
    client = await RfbClient.connect(await dialVnc(target.address), { ...handshakeOptions(target), autoRequestUpdates: request.kind === "screenshot" });
    if (request.kind === "screenshot") {
      const png = await captureScreenshot(client, request.width);
      return { ok: true, png: toBase64(png) };
    }
    if (request.kind === "unlock") await performUnlock(client, request);
    else await performInput(client, request.input);
    await inputReceived(client);
    return { ok: true };
  } catch (error) {
    if (error instanceof DesktopActionError) return { ok: false, error: { code: error.code, message: error.message } };
    // The supervisor's model reads this: it names what failed, never where.
    const message = error instanceof RfbError ? error.message : `the VNC session failed: ${String(error)}`;
    return { ok: false, error: { code: "vnc_failed", message: withoutAddresses(message) } };
  } finally {
    await client?.close();
  }
}

/**
 * Input over RFB is written, never acknowledged, and closing the socket at once could drop what
 * was still on its way (under load the tail of a typed password never arrived). The server reads a
 * client's messages in order: once it answers a one-pixel update request sent after the input, it
 * has read all of it.
 */
async function inputReceived(client: RfbClient): Promise<void> {
  const answered = client.waitForUpdate({ request: "none", timeoutMs: 10_000 });
  await client.requestUpdate({ incremental: false, x: 0, y: 0, width: 1, height: 1 });
  await answered;
}

/** A request for a desktop without a host: served over its VNC URL, or refused with what to do. */
export async function requestWithoutHost(env: Env, desktopId: string, request: DesktopRequest): Promise<DesktopResult> {
  const row = await getDesktop(env.DB, desktopId);
  if (!row?.vncUrl) {
    return { ok: false, error: { code: "desktop_unreachable", message: `desktop ${desktopId} has no host connected and no VNC URL; start deskfleet-host on it or set its vncUrl` } };
  }
  return directRequest(await vncTarget(env, row.vncUrl, row.vncCredentials), request);
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
