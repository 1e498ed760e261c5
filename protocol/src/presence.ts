import type { DesktopPresence } from "./feed.ts";

/**
 * The facts presence is made of, each with one writer: DesktopDO knows whether
 * a host is connected and what it can do, FleetDO which task a desktop runs,
 * the API whether the desktop exists and has a VNC URL the control plane can
 * dial itself. REST (from D1) and the fleet feed (from FleetDO) both derive
 * presence from these facts with `desktopPresence`, so they cannot disagree.
 */
export type PresenceFacts = {
  /** False once the desktop was deleted. */
  exists: boolean;
  hostConnected: boolean;
  /** The connected host can run tasks (it has an API key); false for a view-only host. */
  hostRunsTasks: boolean;
  busyTaskId: string | null;
  /** The control plane can reach the desktop's VNC server itself (a `vnc://` URL). */
  directVnc: boolean;
};

/**
 * online: a host that runs tasks is connected and idle; busy: it runs one;
 * view_only: live view, screenshots and input work, but no tasks (a host
 * without an API key, or no host and a VNC URL the control plane dials);
 * offline: nothing can reach the desktop.
 */
export function desktopPresence(f: PresenceFacts): DesktopPresence {
  if (!f.exists) return "offline";
  if (f.hostConnected) {
    if (f.busyTaskId !== null) return "busy";
    return f.hostRunsTasks ? "online" : "view_only";
  }
  return f.directVnc ? "view_only" : "offline";
}

/** Whether dispatch may give the desktop a task: a connected host that runs tasks and is idle. */
export const canTakeTask = (f: PresenceFacts): boolean => desktopPresence(f) === "online";
