import { useSyncExternalStore } from "react";

// A tiny history router: the Worker serves index.html for every non-API path
// (single-page mode), so real paths work on reload and in shared links.
const CHANGE = "deskfleet:navigate";

const subscribe = (notify: () => void) => {
  window.addEventListener("popstate", notify);
  window.addEventListener(CHANGE, notify);
  return () => {
    window.removeEventListener("popstate", notify);
    window.removeEventListener(CHANGE, notify);
  };
};

const snapshot = () => window.location.pathname + window.location.search;

/** The current path and query, re-rendering on navigation. */
export const useLocation = (): string => useSyncExternalStore(subscribe, snapshot, () => "/");

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo?.(0, 0);
}

export type Route =
  | { view: "fleet" }
  | { view: "desktop"; id: string }
  | { view: "add-desktop" }
  | { view: "run-task"; desktopId: string | null }
  | { view: "task"; id: string }
  | { view: "history" }
  | { view: "schedules" }
  | { view: "schedule"; id: string }
  | { view: "help" }
  | { view: "approvals" }
  /** `conversation`: another conversation to read (`?conversation=telegram:<chatId>`), instead of this tab's own. */
  | { view: "supervisor"; conversation: string | null }
  | { view: "settings" }
  | { view: "agents" }
  | { view: "agent"; name: string | null }
  | { view: "skills" }
  | { view: "skill"; name: string }
  | { view: "memory" }
  | { view: "spend" }
  | { view: "not-found" };

export function matchRoute(location: string): Route {
  const url = new URL(location, "http://x");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [a, b] = parts;
  if (parts.length === 0 || (a === "fleet" && !b)) return { view: "fleet" };
  if (a === "desktops" && b === "new" && parts.length === 2) return { view: "add-desktop" };
  if (a === "desktops" && b && parts.length === 2) return { view: "desktop", id: b };
  if (a === "tasks" && b === "new" && parts.length === 2) return { view: "run-task", desktopId: url.searchParams.get("desktop") };
  if (a === "tasks" && b && parts.length === 2) return { view: "task", id: b };
  if (a === "history" && parts.length === 1) return { view: "history" };
  if (a === "schedules" && parts.length === 1) return { view: "schedules" };
  if (a === "schedules" && b && parts.length === 2) return { view: "schedule", id: b };
  if (a === "help" && parts.length === 1) return { view: "help" };
  if (a === "approvals" && parts.length === 1) return { view: "approvals" };
  if (a === "supervisor" && parts.length === 1) return { view: "supervisor", conversation: url.searchParams.get("conversation") };
  if (a === "settings" && parts.length === 1) return { view: "settings" };
  if (a === "agents" && parts.length === 1) return { view: "agents" };
  if (a === "agents" && b && parts.length === 2) return { view: "agent", name: b === "new" ? null : b };
  if (a === "skills" && parts.length === 1) return { view: "skills" };
  if (a === "skills" && b && parts.length === 2) return { view: "skill", name: b };
  if (a === "memory" && parts.length === 1) return { view: "memory" };
  if (a === "spend" && parts.length === 1) return { view: "spend" };
  return { view: "not-found" };
}
