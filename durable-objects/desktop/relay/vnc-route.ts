import { getDesktop } from "../../../db/desktops.ts";
import { vncTarget } from "./vnc-target.ts";
import type { Route } from "./relay.ts";

/** Where the live screen comes from when no host is connected: the desktop's own VNC URL, its host when it is back, or nowhere. */
export async function routeWithoutHost(env: Env, desktopId: string): Promise<Route> {
  const row = await getDesktop(env.DB, desktopId);
  if (!row) return { kind: "none", reason: `desktop ${desktopId} does not exist` };
  if (row.vncUrl) return { kind: "direct", target: await vncTarget(env, row.vncUrl, row.vncCredentials) };
  // A desktop with a host token expects its host back (after a deploy, say): wait for it.
  if (row.hostTokenHash) return { kind: "wait" };
  return { kind: "none", reason: `desktop ${desktopId} has no host connected and no VNC URL; start deskfleet-host on it or set its vncUrl` };
}
