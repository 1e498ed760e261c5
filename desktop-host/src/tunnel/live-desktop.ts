import type { DesktopRequest, DesktopResponseMessage, TunnelOpenMessage } from "@deskfleet/protocol";
import { captureScreenshot, DesktopActionError, performInput, performUnlock } from "@deskfleet/rfb/desktop-actions";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { RfbError } from "@deskfleet/rfb/rfb-error";
import { openTunnel, type TunnelOptions, type TunnelTarget } from "./tunnel.ts";
import { dialVnc, handshakeOptions } from "../runtime/vnc-target.ts";

export type DesktopResult = DesktopResponseMessage["result"];

/** What the host runtime calls for the live-desktop messages of its control channel. */
export type LiveDesktop = {
  /** `tunnel_open`: serve one viewer in the background. */
  openTunnel(message: TunnelOpenMessage): void;
  /** `desktop_request`: a screenshot or an input action for the API. */
  desktopRequest(request: DesktopRequest): Promise<DesktopResult>;
};

export type LiveDesktopOptions = {
  server: string;
  token: string;
  vnc: TunnelTarget;
  coalesce?: TunnelOptions["coalesce"];
  log?: (message: string, fields?: Record<string, unknown>) => void;
};

/**
 * The host's side of live desktops: a fresh tunnel (and VNC session) per
 * viewer, and one short RFB session per API request, so neither disturbs the
 * agent's own session or its pixel format.
 */
export function liveDesktop(options: LiveDesktopOptions): LiveDesktop {
  const log = options.log ?? (() => undefined);
  return {
    openTunnel(message) {
      void openTunnel(message, { server: options.server, token: options.token, vnc: options.vnc, ...(options.coalesce ? { coalesce: options.coalesce } : {}), log }).then((r) =>
        log("viewer tunnel closed", { tunnel: message.tunnelId, frames: r.frames, bytes: r.bytes, closedBy: r.closedBy, ...(r.error ? { error: r.error } : {}) }),
      );
    },
    async desktopRequest(request) {
      let client: RfbClient | null = null;
      try {
        client = await RfbClient.connect(await dialVnc(options.vnc), handshakeOptions(options.vnc));
        if (request.kind === "screenshot") return { ok: true, png: Buffer.from(await captureScreenshot(client, request.width)).toString("base64") };
        if (request.kind === "unlock") await performUnlock(client, request);
        else await performInput(client, request.input);
        return { ok: true };
      } catch (error) {
        if (error instanceof DesktopActionError) return { ok: false, error: { code: error.code, message: error.message } };
        return { ok: false, error: { code: "vnc_failed", message: error instanceof RfbError ? error.message : String(error) } };
      } finally {
        await client?.close();
      }
    },
  };
}
