import { CloseCode } from "@deskfleet/protocol";

/**
 * What a closed control socket means for the host: most closes are weather
 * (a deploy, a network blip, a newer connection) and the host reconnects;
 * a few mean that retrying cannot help until a person changes something.
 */
export type CloseVerdict = { fatal: false } | { fatal: true; summary: string; advice: string };

// The server's close reason is cut to 123 bytes by the WebSocket protocol, so the host adds its own advice.
const FATAL: Record<number, { summary: string; advice: string }> = {
  [CloseCode.badToken]: {
    summary: "the control plane refused the host token",
    advice: "Issue a new host token for this desktop (dashboard, or POST /api/desktops/<id>/host-token) and pass it with DESKFLEET_HOST_TOKEN or --token.",
  },
  [CloseCode.badVersion]: {
    summary: "the control plane does not accept this host's version",
    advice: "Run `deskfleet-host upgrade`: it installs the release the control plane serves, checksum checked. (When the reason says the control plane is the older side, deploy it again instead.)",
  },
  [CloseCode.wrongDesktop]: {
    summary: "the host token belongs to another desktop",
    advice: "Pass the desktop id the token was issued for with DESKFLEET_DESKTOP_ID or --desktop.",
  },
  [CloseCode.desktopDeleted]: {
    summary: "this desktop was deleted on the control plane",
    advice: "Add the desktop again in the dashboard and start the host with its new host token.",
  },
};

export function classifyClose(code: number): CloseVerdict {
  const f = FATAL[code];
  return f ? { fatal: true, ...f } : { fatal: false };
}

/** HTTP answers to the upgrade request that retrying cannot fix. */
export function classifyUpgradeStatus(status: number, server: string): CloseVerdict {
  if (status === 401) return { fatal: true, summary: "the control plane refused the host token (HTTP 401)", advice: FATAL[CloseCode.badToken]!.advice };
  if (status === 403) return { fatal: true, summary: "the control plane refused this host (HTTP 403)", advice: "Check that --server is your Deskfleet control plane and nothing in between (e.g. Cloudflare Access) blocks hosts." };
  if (status === 404) return { fatal: true, summary: `${server} has no /api/hosts/connect endpoint (HTTP 404)`, advice: "Check that --server points at the Deskfleet control plane." };
  return { fatal: false };
}
