import { ApiError } from "../../domain/api-error.ts";

/**
 * What a desktop-scoped session (the Telegram Mini App's) may call: its own desktop's view, live
 * view ticket, screenshot, takeover, input and hand-back, and "who am I". Everything else, other desktops
 * included, is refused: a phone holding it can watch and work one desktop, nothing more.
 */
const ALLOWED: readonly { method: string; path: RegExp }[] = [
  { method: "GET", path: /^\/api\/session$/ },
  { method: "GET", path: /^\/api\/desktops\/([^/]+)$/ },
  { method: "POST", path: /^\/api\/desktops\/([^/]+)\/vnc-ticket$/ },
  { method: "GET", path: /^\/api\/desktops\/([^/]+)\/screenshot$/ },
  { method: "GET", path: /^\/api\/desktops\/([^/]+)\/takeover$/ },
  { method: "POST", path: /^\/api\/desktops\/([^/]+)\/takeover$/ },
  { method: "POST", path: /^\/api\/desktops\/([^/]+)\/handback$/ },
  // Typing the answer into the screen while holding the takeover (operators only, as for everyone).
  { method: "POST", path: /^\/api\/desktops\/([^/]+)\/input$/ },
];

export function desktopScopeAllows(method: string, path: string, desktopId: string): boolean {
  return ALLOWED.some((a) => {
    if (a.method !== method.toUpperCase()) return false;
    const m = a.path.exec(path);
    if (!m) return false;
    return m[1] === undefined || decodeURIComponent(m[1]) === desktopId;
  });
}

export function requireInScope(method: string, path: string, desktopId: string): void {
  if (desktopScopeAllows(method, path, desktopId)) return;
  throw new ApiError(403, "outside_desktop_scope", `this Telegram desktop session opens desktop ${desktopId} only (its view, live screen, takeover and hand-back); sign in to the dashboard for anything else`);
}
