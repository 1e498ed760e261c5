/**
 * The headers every answer of the Worker carries, and the dashboard's Content-Security-Policy.
 * The dashboard loads only its own scripts and styles; it talks to its own origin over HTTP and
 * WebSocket (the live feeds and noVNC's `wss:`); noVNC may start `blob:` workers and draws its
 * cursor from a `data:` image; nothing may frame it.
 */
export function dashboardCsp(url: URL, kind: "dashboard" | "mini-app" = "dashboard"): string {
  const socket = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  return [
    "default-src 'none'",
    // The Mini App may load Telegram's own script (optional: the page reads initData from its URL without it).
    kind === "mini-app" ? "script-src 'self' https://telegram.org" : "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${socket}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    // Telegram's web client shows a Mini App in a frame; its apps open it as a page of its own.
    kind === "mini-app" ? "frame-ancestors https://web.telegram.org" : "frame-ancestors 'none'",
  ].join("; ");
}

/** For API answers: JSON and images, never a document to render or frame. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** HSTS only means something over HTTPS (browsers ignore it over HTTP), so it is sent only there. */
const HSTS = "max-age=31536000; includeSubDomains";

export function securityHeaders(url: URL, kind: "dashboard" | "mini-app" | "api"): Record<string, string> {
  return {
    "Content-Security-Policy": kind === "api" ? API_CSP : dashboardCsp(url, kind),
    // X-Frame-Options cannot name an allowed framer; for the Mini App the CSP's frame-ancestors says who may.
    ...(kind === "mini-app" ? {} : { "X-Frame-Options": "DENY" }),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(url.protocol === "https:" ? { "Strict-Transport-Security": HSTS } : {}),
  };
}

/** The same response with the headers set (a WebSocket's 101 is passed through untouched: its headers are immutable). */
export function withSecurityHeaders(res: Response, url: URL, kind: "dashboard" | "mini-app" | "api"): Response {
  if (res.status === 101 || res.webSocket) return res;
  const out = new Response(res.body, res);
  for (const [name, value] of Object.entries(securityHeaders(url, kind))) out.headers.set(name, value);
  return out;
}
