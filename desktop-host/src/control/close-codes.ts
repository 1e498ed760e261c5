import { CloseCode } from "@deskfleet/protocol";

/**
 * What a closed control socket means for the host: most closes are weather
 * (a deploy, a network blip, a newer connection) and the host reconnects;
 * a few mean that retrying cannot help until a person changes something.
 */
export type CloseVerdict = { fatal: false } | { fatal: true; summary: string };

const FATAL: Record<number, string> = {
  [CloseCode.badToken]: "the control plane refused the host token",
  [CloseCode.badVersion]: "the control plane speaks another version of the host protocol",
  [CloseCode.wrongDesktop]: "the host token belongs to another desktop",
  [CloseCode.desktopDeleted]: "this desktop was deleted on the control plane",
};

export function classifyClose(code: number): CloseVerdict {
  const summary = FATAL[code];
  return summary ? { fatal: true, summary } : { fatal: false };
}

/** HTTP answers to the upgrade request that retrying cannot fix. */
export function classifyUpgradeStatus(status: number, server: string): CloseVerdict {
  if (status === 401) return { fatal: true, summary: "the control plane refused the host token (HTTP 401)" };
  if (status === 403) return { fatal: true, summary: "the control plane refused this host (HTTP 403)" };
  if (status === 404) return { fatal: true, summary: `${server} has no /api/hosts/connect endpoint (HTTP 404); check --server points at the Deskfleet control plane` };
  return { fatal: false };
}
